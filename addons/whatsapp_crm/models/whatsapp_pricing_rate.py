from odoo import api, fields, models

from ..const import PRICING_CATEGORIES


class WhatsAppPricingRate(models.Model):
    """What Meta charges per delivered message, by category and market, from a date on.

    Meta's status webhooks say whether a message is billable and in which category, never the
    price: managers keep this table from Meta's rate card, and each outbound message gets an
    estimated cost from the rate valid on its day. A rate without a market applies to every
    market that has no rate of its own.
    """

    _name = "whatsapp.pricing.rate"
    _description = "WhatsApp Message Rate"
    _order = "date_from desc, category, country_id, id"

    category = fields.Selection(PRICING_CATEGORIES, required=True)
    country_id = fields.Many2one("res.country", "Market", help="Empty: every other market.")
    # Meta's rates have more decimals than currencies (e.g. USD 0.0625): not a Monetary field.
    price = fields.Float("Price per Message", required=True, digits=(12, 6))
    currency_id = fields.Many2one("res.currency", required=True, default=lambda self: self.env.company.currency_id)
    date_from = fields.Date("Valid From", required=True, default=fields.Date.context_today)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)

    _rate_unique = models.UniqueIndex("(company_id, category, COALESCE(country_id, 0), date_from)")

    @api.depends("category", "country_id", "date_from")
    def _compute_display_name(self):
        categories = dict(PRICING_CATEGORIES)
        for rate in self:
            rate.display_name = " · ".join(filter(None, (
                categories.get(rate.category), rate.country_id.name, fields.Date.to_string(rate.date_from))))

    @api.model_create_multi
    def create(self, vals_list):
        rates = super().create(vals_list)
        rates._whatsapp_reprice()
        return rates

    def write(self, vals):
        before = self._whatsapp_scope()
        res = super().write(vals)
        self._whatsapp_reprice(before)
        return res

    def unlink(self):
        scope = self._whatsapp_scope()
        res = super().unlink()
        self.env["whatsapp.message"]._whatsapp_reprice(*scope)
        return res

    def _whatsapp_scope(self):
        """(categories, earliest date) of the messages these rates price."""
        return set(self.mapped("category")), min(self.mapped("date_from"), default=None)

    def _whatsapp_reprice(self, before=None):
        categories, since = self._whatsapp_scope()
        if before:
            categories |= before[0]
            since = min(filter(None, (since, before[1])), default=None)
        self.env["whatsapp.message"]._whatsapp_reprice(categories, since)

    @api.model
    def _whatsapp_lookup(self):
        """A function ``(company, category, country, day) -> rate or None`` over the whole table, read
        once (it holds a few dozen rows): pricing a batch of messages costs one query."""
        # sudo: whatsapp.pricing.rate - estimated costs are computed for whoever reads a message
        table = self.sudo().search_fetch([], ["category", "country_id", "price", "currency_id", "date_from",
                                              "company_id"], order="date_from desc, id desc")

        def lookup(company, category, country, day):
            fallback = None
            for rate in table:
                if rate.company_id != company or rate.category != category or rate.date_from > day:
                    continue
                if rate.country_id == country:
                    return rate
                if not rate.country_id and fallback is None:
                    fallback = rate
            return fallback
        return lookup
