import { registry } from "@web/core/registry";

/**
 * A manager follows a closed conversation whose satisfaction survey is pending: the customer's
 * answer, already received by the webhook, is processed by the inbox's drain job (run here the
 * way queue_job's runner runs it, through /queue_job/runjob) and arrives live as the conversation's rating.
 */
registry.category("web_tour.tours").add("whatsapp_crm_rating_tour", {
    steps: () => [
        {
            trigger: ".o-mail-Message:contains(How would you rate this conversation?):contains(5 - Very good)",
        },
        {
            trigger: ".o-whatsapp-WindowBanner .o-whatsapp-QueueBadge.o-closed",
            async run() {
                // What queue_job's runner does with an enqueued job (the test enqueued the drain job).
                const { orm } = odoo.__WOWL_DEBUG__.root.env.services;
                const jobs = await orm.searchRead(
                    "queue.job",
                    [
                        ["channel_method_name", "=", "<whatsapp.inbox>._job_drain"],
                        ["state", "=", "enqueued"],
                    ],
                    ["uuid"]
                );
                if (!jobs.length) {
                    throw new Error("no drain job waits for the runner");
                }
                for (const job of jobs) {
                    const response = await fetch(`/queue_job/runjob?job_uuid=${job.uuid}`);
                    if (!response.ok) {
                        throw new Error(`/queue_job/runjob answered ${response.status}`);
                    }
                }
            },
        },
        {
            // The customer's answer, a message of its own (the survey's list holds the same words).
            trigger: ".o-mail-Message-body:text(5 - Very good)",
        },
        {
            trigger: ".o-mail-NotificationMessage:contains(The customer rated the conversation: 5/5)",
        },
    ],
});
