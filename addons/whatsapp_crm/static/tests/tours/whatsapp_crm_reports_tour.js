import { registry } from "@web/core/registry";

/**
 * A manager finds the dashboard in the WhatsApp menu and opens response times per attendant and
 * costs; an administrator checks a number's health. (The chart library is left out: a bundle fetched
 * while Odoo builds it once answered HTML to the browser, 2 runs in 8.)
 */
registry.category("web_tour.tours").add("whatsapp_crm_reports_tour", {
    steps: () => [
        {
            trigger: ".o_main_navbar .o_menu_sections :contains(Dashboard)",
        },
        {
            trigger: ".o_pivot th:contains(Time to First Answer (h, median))",
        },
        {
            trigger: ".o_pivot tbody th:contains(Ana Atendente)",
        },
        {
            trigger: ".o_main_navbar .o_menu_sections button:contains(Reports)",
            run: "click",
        },
        {
            trigger: ".dropdown-item:contains(Costs)",
            run: "click",
        },
        {
            trigger: ".o_pivot thead th:contains(Service)",
        },
        {
            trigger: ".o_main_navbar .o_menu_sections button:contains(Monitoring)",
            run: "click",
        },
        {
            trigger: ".dropdown-item:contains(Health)",
            run: "click",
        },
        {
            trigger: ".o_data_row td:contains(Filarmônica)",
            run: "click",
        },
        {
            trigger: ".o_form_view button[name=action_refresh]",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=messaging_limit_tier]:contains(TIER_1K)",
        },
    ],
});
