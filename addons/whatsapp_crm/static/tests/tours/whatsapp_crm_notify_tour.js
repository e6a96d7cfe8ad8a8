import { registry } from "@web/core/registry";

/**
 * Waits, in a `run`, until ``predicate()`` holds (the title and badge follow the bus, not a click).
 *
 * @param {() => boolean} predicate
 * @param {string} what
 */
async function waitFor(predicate, what, timeout = 10000) {
    const deadline = Date.now() + timeout;
    while (!predicate()) {
        if (Date.now() > deadline) {
            throw new Error(`Timed out waiting for ${what} (title: "${document.title}")`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
}

function services() {
    return odoo.__WOWL_DEBUG__.root.env.services;
}

/**
 * After login an attendant reads once, above the queue, why WhatsApp would alert them with the tab
 * closed; they say "Not now". The tab's title counts what needs them: one conversation waits
 * in the queue. With the window in the background, a conversation goes back to the queue and the
 * title and the app badge count two, live, and the new conversation in the queue is heard.
 */
registry.category("web_tour.tours").add("whatsapp_crm_notify_tour", {
    steps: () => [
        {
            trigger: ".o-whatsapp-PushPrompt:contains(Get an alert when a customer writes on WhatsApp)",
        },
        {
            trigger: ".o-whatsapp-PushPrompt .o-whatsapp-PushPrompt-later",
            run: "click",
        },
        {
            trigger: "body:not(:has(.o-whatsapp-PushPrompt))",
            run() {
                const answered = Object.keys(localStorage).filter((key) =>
                    key.startsWith("whatsapp_crm.push_prompt_answered")
                );
                if (!answered.length) {
                    throw new Error("The answer is not remembered: the prompt would come back");
                }
            },
        },
        {
            trigger: "body",
            async run() {
                await waitFor(() => document.title.startsWith("(1) "), 'the title "(1) …"');
            },
        },
        {
            trigger: "body",
            async run() {
                window.dispatchEvent(new Event("blur"));
                // The sound of a new conversation in the queue (the attendant's default preference).
                const soundEffects = services()["mail.sound_effects"];
                const played = [];
                soundEffects.play = (name) => played.push(name);
                const ids = await services().orm.search("discuss.channel", [
                    ["channel_type", "=", "whatsapp"],
                    ["whatsapp_assignee_id", "!=", false],
                ]);
                await services().orm.call("discuss.channel", "action_whatsapp_release", ids);
                await waitFor(() => document.title.startsWith("(2) "), 'the title "(2) …"');
                await waitFor(
                    () => services()["mail.store"].globalCounter >= 2,
                    "the app badge to count the queue"
                );
                await waitFor(
                    () => played.includes("new-message"),
                    "the sound of a conversation back in the queue"
                );
            },
        },
    ],
});
