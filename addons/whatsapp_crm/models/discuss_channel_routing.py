import logging
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from odoo.addons.mail.tools.discuss import Store

from ..const import ATTENDANT_GROUP, MANAGER_GROUP
from ..tools import department_menu
from ..tools.interactive_payload import MAX_BUTTONS, MAX_ROWS, InteractiveError, check_spec
from .discuss_channel import is_whatsapp_channel

_logger = logging.getLogger(__name__)

# A customer's invalid answers to the menu: the menu is repeated this many times, then the
# conversation goes to the default department.
MENU_MAX_REPEATS = 2
MENU_GREETING_PARAM = "whatsapp_crm.menu_greeting"
MENU_TIMEOUT_PARAM = "whatsapp_crm.menu_timeout_minutes"
DEFAULT_MENU_TIMEOUT_MINUTES = 10


class DiscussChannel(models.Model):
    """The front door of a conversation: the department it belongs to, the greeting menu that
    routes it there on first contact, the absence message outside business hours, and automatic
    assignment to the department's attendants.

    Without any department (a company that does not use them) nothing here happens: conversations
    wait in one queue, as before. With one, every new conversation goes to it without a menu.
    """

    # One concern per file, while several branches extend this model at once (the lead may fold them).
    _inherit = "discuss.channel"  # pylint: disable=consider-merging-classes-inherited

    whatsapp_department_id = fields.Many2one(
        "whatsapp.department", "Department", index="btree_not_null", ondelete="set null", readonly=True)
    whatsapp_routing_state = fields.Selection(
        [("menu", "Choosing a department"), ("routed", "Routed")], "Routing", readonly=True,
        help="Choosing: the customer got the greeting menu and has not chosen yet (not counted as waiting).")
    whatsapp_menu_attempts = fields.Integer("Invalid Menu Answers", readonly=True)
    whatsapp_menu_due_at = fields.Datetime(
        "Menu Answer Due", readonly=True, index="btree_not_null",
        help="Without a choice by then, the conversation goes to the default department.")
    whatsapp_absence_sent_at = fields.Datetime(
        "Absence Message Sent", readonly=True,
        help="The customer wrote outside business hours and was told when the department opens (once per "
             "conversation).")

    # Automatic assignment: the waiting conversations of a department, oldest first.
    _whatsapp_department_waiting_index = models.Index(
        "(whatsapp_department_id, id) WHERE whatsapp_assignee_id IS NULL AND whatsapp_status = 'open'")

    # ------------------------------------------------------------
    # STORE
    # ------------------------------------------------------------

    def _whatsapp_store_fields(self):
        return [*super()._whatsapp_store_fields(),
                Store.Attr("whatsapp_routing_state", predicate=is_whatsapp_channel),
                # sudo: whatsapp.department - the name and colour of the department of a readable conversation
                Store.One("whatsapp_department_id", ["name", "color"], predicate=is_whatsapp_channel, sudo=True)]

    def _whatsapp_department_name(self):
        # sudo: whatsapp.department - the department's name, told to the customer ({{setor}})
        department = self.sudo().whatsapp_department_id.with_context(lang=self._whatsapp_customer_lang())
        return department.name or ""

    # ------------------------------------------------------------
    # WHO SEES A CONVERSATION (also for notifications, issue 14)
    # ------------------------------------------------------------

    def _whatsapp_department_attendants(self):
        """The attendants whose queue this conversation is in: its department's members, or every
        attendant of its company while it has no department (menu, or no departments at all).
        Managers see every queue but are not listed here."""
        self.ensure_one()
        # sudo: discuss.channel - routing fields of a conversation, whoever asks
        department = self.sudo().whatsapp_department_id
        if department:
            return department._whatsapp_attendants()
        company = self.sudo().whatsapp_company_id
        # sudo: res.users - the attendants of the conversation's company
        attendants_sudo = self.env.ref(ATTENDANT_GROUP).sudo().all_user_ids
        return attendants_sudo.filtered(lambda user: user.active and not user.share and company in user.company_ids
                                        and user != self.env.ref("whatsapp_crm.user_whatsapp_processing"))

    def _whatsapp_push_audience_key(self):
        # sudo: discuss.channel - routing fields of a conversation, read by the push job
        channel_sudo = self.sudo()
        return (*super()._whatsapp_push_audience_key(), channel_sudo.whatsapp_department_id.id,
                channel_sudo.whatsapp_routing_state == "menu")

    def _whatsapp_unassigned_push_candidates(self):
        """Alerted of an unassigned conversation's messages: its department's attendants only, and
        nobody while the customer is still choosing in the menu (the answer is for the robot)."""
        # sudo: discuss.channel - routing fields of a conversation, read by the push job
        if self.sudo().whatsapp_routing_state == "menu":
            return self.env["res.users"]
        return super()._whatsapp_unassigned_push_candidates() & self._whatsapp_department_attendants()

    @api.model
    def _whatsapp_queue_domain(self, queue_filter):
        """Attendants see the queues of their departments and the conversations without one;
        managers see all. A conversation whose customer is choosing in the menu is not waiting."""
        domain = super()._whatsapp_queue_domain(queue_filter)
        if queue_filter == "unassigned":
            domain = [*domain, ("whatsapp_routing_state", "!=", "menu")]
        if not self.env.user.has_group(MANAGER_GROUP):
            departments = self.env["whatsapp.department"]._whatsapp_user_departments()
            domain = [*domain, "|", ("whatsapp_department_id", "=", False),
                      ("whatsapp_department_id", "in", departments.ids)]
        return domain

    def _whatsapp_check_department_member(self):
        """Attendants take only their departments' conversations; managers any."""
        department = self.sudo().whatsapp_department_id
        if department and not self.env.user.has_group(MANAGER_GROUP) and self.env.user not in department.member_ids:
            raise AccessError(self.env._("This conversation is in the queue of %(department)s.",
                                         department=department.name))

    def action_whatsapp_take(self):
        self.ensure_one()
        self._whatsapp_check_department_member()
        return super().action_whatsapp_take()

    def write(self, vals):
        """An attendant freed a slot (release, transfer, close): the waiting conversations of their
        departments, and a conversation back in its queue, may be assigned automatically."""
        freed = self.env["res.users"]
        if "whatsapp_assignee_id" in vals or vals.get("whatsapp_status") == "closed":
            freed = self.filtered(lambda channel: channel.whatsapp_assignee_id and (
                vals.get("whatsapp_status") == "closed"
                or channel.whatsapp_assignee_id.id != vals.get("whatsapp_assignee_id"))).whatsapp_assignee_id
        result = super().write(vals)
        if "whatsapp_assignee_id" in vals and not vals["whatsapp_assignee_id"]:
            self.filtered(lambda channel: channel.whatsapp_status == "open").whatsapp_department_id \
                .sudo()._whatsapp_schedule_assignment()
        if freed:
            self.env["whatsapp.department"]._whatsapp_schedule_for_users(freed)
        return result

    # ------------------------------------------------------------
    # ROUTING
    # ------------------------------------------------------------

    @api.model
    def _whatsapp_departments_of(self, company):
        """The departments of the greeting menu of ``company``, in menu order."""
        # sudo: whatsapp.department - the menu is built by the system for every customer
        return self.env["whatsapp.department"].sudo().search([("company_id", "=", company.id)])

    def _whatsapp_route_inbound(self, text, reply_id):
        """The customer wrote in this open conversation (``text``, or ``reply_id`` of a tapped
        button/row): greet them with the menu, take their choice, or tell them the hours."""
        self.ensure_one()
        # sudo: discuss.channel - routing is written by the system, for the processing of an inbound message
        channel_sudo = self.sudo()
        if channel_sudo.whatsapp_department_id:
            channel_sudo._whatsapp_send_absence_if_closed()
            return
        departments = self._whatsapp_departments_of(channel_sudo.whatsapp_company_id)
        if not departments:
            return
        if len(departments) == 1:
            channel_sudo._whatsapp_route_to(departments, "single")
            return
        if channel_sudo.whatsapp_routing_state != "menu":
            channel_sudo._whatsapp_send_menu(departments)
            return
        department = channel_sudo._whatsapp_menu_choice(departments, text, reply_id)
        if department:
            channel_sudo._whatsapp_route_to(department, "choice")
        elif channel_sudo.whatsapp_menu_attempts < MENU_MAX_REPEATS:
            channel_sudo.whatsapp_menu_attempts += 1
            channel_sudo._whatsapp_send_menu(departments, repeat=True)
        else:
            channel_sudo._whatsapp_route_to(channel_sudo._whatsapp_default_department(departments), "invalid")

    def _whatsapp_menu_choice(self, departments, text, reply_id):
        department_id = department_menu.department_of_reply(reply_id)
        if department_id:
            return departments.filtered(lambda department: department.id == department_id)
        names = departments.with_context(lang=self._whatsapp_customer_lang()).mapped("name")
        position = department_menu.choice_of(text, names)
        if position is None:
            position = department_menu.choice_of(text, departments.mapped("name"))
        return departments[position] if position is not None else departments.browse()

    @api.model
    def _whatsapp_default_department(self, departments):
        return departments.filtered("is_default")[:1] or departments[:1]

    def _whatsapp_send_menu(self, departments, repeat=False):
        """The greeting with the departments to choose from: reply buttons (up to 3), a list (up to
        10), or numbered lines the customer answers by number or name. Sent inside the window the
        customer's message just opened, as a service reply."""
        self.ensure_one()
        lang = self._whatsapp_customer_lang()
        _ = self.with_context(lang=lang).env._
        # sudo: ir.config_parameter - the menu's greeting, set by managers in Settings
        greeting = self.env["ir.config_parameter"].sudo().get_param(MENU_GREETING_PARAM) or _(
            "Hello! Who would you like to talk to?")
        greeting = self._whatsapp_fill(greeting)
        if repeat:
            greeting = _("Sorry, I did not understand.") + " " + greeting
        names = departments.with_context(lang=lang).mapped("name")
        author = self.env.ref("base.partner_root")
        spec = None
        if len(departments) <= MAX_ROWS:
            kind = "buttons" if len(departments) <= MAX_BUTTONS else "list"
            try:
                spec = check_spec({
                    "kind": kind, "body": greeting, "button": _("Departments"),
                    "options": [{"id": department_menu.reply_id(department.id), "title": name}
                                for department, name in zip(departments, names, strict=True)],
                })
            except InteractiveError:
                spec = None  # a name too long for a button: the text menu says the same
        if spec:
            self._whatsapp_post_interactive(spec, author, automatic=True)
        else:
            self._whatsapp_post_automatic(department_menu.numbered_menu(
                greeting, names, _("Answer with the number of your choice.")), author)
        self.write({
            "whatsapp_routing_state": "menu",
            "whatsapp_menu_due_at": fields.Datetime.now() + timedelta(minutes=self._whatsapp_menu_timeout()),
        })
        if not repeat:
            self._whatsapp_notify_queue(["whatsapp_routing_state"])

    @api.model
    def _whatsapp_menu_timeout(self):
        # sudo: ir.config_parameter - set by managers in Settings
        value = self.env["ir.config_parameter"].sudo().get_param(MENU_TIMEOUT_PARAM)
        try:
            return max(int(value), 1) if value else DEFAULT_MENU_TIMEOUT_MINUTES
        except ValueError:
            return DEFAULT_MENU_TIMEOUT_MINUTES

    def _whatsapp_route_to(self, department, reason):
        """The conversation enters ``department``'s queue: a notice for the team, the department's
        greeting for the customer (or its absence message when closed), then automatic assignment."""
        self.ensure_one()
        self.write({"whatsapp_department_id": department.id, "whatsapp_routing_state": "routed",
                    "whatsapp_menu_due_at": False, "whatsapp_menu_attempts": 0})
        lang_env = self.with_context(lang=self._whatsapp_customer_lang()).env
        notices = {
            "choice": self.env._("The customer chose %(department)s.", department=department.name),
            "invalid": self.env._("No valid answer to the menu: sent to %(department)s.", department=department.name),
            "timeout": self.env._("No answer to the menu: sent to %(department)s.", department=department.name),
            "transfer": None,
            "single": None,
        }
        if notices.get(reason):
            self._whatsapp_post_notice(notices[reason])
        author = self.env.ref("base.partner_root")
        if department.greeting and self._whatsapp_window_open() and reason != "transfer":
            self._whatsapp_post_automatic(self._whatsapp_fill(department.with_env(lang_env).greeting), author)
        self._whatsapp_send_absence_if_closed()
        self._whatsapp_notify_queue()
        department._whatsapp_schedule_assignment()

    def _whatsapp_send_absence_if_closed(self):
        """Outside the department's hours, the customer is told once per conversation when it opens."""
        self.ensure_one()
        department = self.whatsapp_department_id
        if self.whatsapp_absence_sent_at or not department or department._whatsapp_is_open():
            return
        if not self._whatsapp_window_open():
            return
        lang = self._whatsapp_customer_lang()
        _ = self.with_context(lang=lang).env._
        opening = department._whatsapp_next_opening()
        opening_text = department._whatsapp_format_opening(opening, lang) if opening else ""
        text = department.with_context(lang=lang).absence_message
        if text:
            filled = department_menu.fill_opening(text, opening_text)
            if filled is not None:
                text = filled
            elif opening_text:
                text = "\n".join([text, _("We open again on %(opening)s.", opening=opening_text)])
        elif opening_text:
            text = _("We are closed right now. We open again on %(opening)s, and will answer you then.",
                     opening=opening_text)
        else:
            text = _("We are closed right now. We will answer you as soon as we open.")
        self.write({"whatsapp_absence_sent_at": fields.Datetime.now()})
        self._whatsapp_post_automatic(self._whatsapp_fill(text), self.env.ref("base.partner_root"))

    @api.model
    def _cron_whatsapp_menu_timeout(self, batch_size=200):
        """Customers who did not answer the menu in time go to the default department."""
        channels = self.search([("channel_type", "=", "whatsapp"), ("whatsapp_status", "=", "open"),
                                ("whatsapp_routing_state", "=", "menu"),
                                ("whatsapp_menu_due_at", "<=", fields.Datetime.now())],
                               order="whatsapp_menu_due_at, id", limit=batch_size)
        for channel in channels:
            try:
                with self.env.cr.savepoint():
                    departments = self._whatsapp_departments_of(channel.whatsapp_company_id)
                    if departments:
                        channel.sudo()._whatsapp_route_to(self._whatsapp_default_department(departments), "timeout")
                    else:
                        # sudo: discuss.channel - the departments were removed meanwhile: one queue again
                        channel.sudo().write({"whatsapp_routing_state": False, "whatsapp_menu_due_at": False})
            except Exception:
                _logger.exception("WhatsApp: routing conversation %s after the menu timeout failed", channel.id)
        # Conversations waiting in automatic departments (e.g. hours just opened): assigned by their jobs.
        # sudo: whatsapp.department - the scheduler wakes every department's assignment
        self.env["whatsapp.department"].sudo().search([("assignment_mode", "!=", "manual")]) \
            ._whatsapp_schedule_assignment()
        return channels

    # ------------------------------------------------------------
    # TRANSFER TO A DEPARTMENT
    # ------------------------------------------------------------

    def whatsapp_transfer_departments(self):
        """The departments this conversation can be sent to (the transfer dialog): ``[{"id", "name"}]``."""
        self.ensure_one()
        if not self.env.user.has_group(ATTENDANT_GROUP):
            raise AccessError(self.env._("Only WhatsApp attendants can transfer conversations."))
        self.check_access("read")
        departments = self._whatsapp_departments_of(self.sudo().whatsapp_company_id)
        return [{"id": department.id, "name": department.name} for department in departments]

    def action_whatsapp_transfer_department(self, department_id, note=None):
        """"Transferir" to a department: back to its queue (unassigned), with an optional note; its
        assignment rules then apply."""
        self.ensure_one()
        self._whatsapp_check_can_reassign(allow_unassigned=True)
        department = self.env["whatsapp.department"].sudo().browse(int(department_id)).exists()
        if not department or department.company_id != self.sudo().whatsapp_company_id:
            raise UserError(self.env._("Conversations can only be transferred to a department of their company."))
        previous = self.whatsapp_assignee_id
        # sudo: discuss.channel - assignment and routing fields are only written through these actions
        self.sudo().write({"whatsapp_assignee_id": False, "whatsapp_assigned_at": False})
        self._whatsapp_leave(previous)
        notice = self.env._("%(attendant)s transferred the conversation to %(department)s.",
                            attendant=self.env.user.name, department=department.name)
        if note:
            notice = Markup("%s<br/>%s") % (notice, note)
        self._whatsapp_post_notice(notice)
        self.sudo()._whatsapp_route_to(department, "transfer")
        return True

    # ------------------------------------------------------------
    # AUTOMATIC ASSIGNMENT (whatsapp_department.py decides; these act on conversations)
    # ------------------------------------------------------------

    @api.model
    def _whatsapp_waiting_in(self, department, limit):
        """Routed, unassigned, open conversations of ``department``, oldest first."""
        # sudo: discuss.channel - the assignment job looks at every waiting conversation
        return self.sudo().search([("channel_type", "=", "whatsapp"), ("whatsapp_status", "=", "open"),
                                   ("whatsapp_department_id", "=", department.id),
                                   ("whatsapp_assignee_id", "=", False)], order="id", limit=limit)

    @api.model
    def _whatsapp_open_loads(self, users):
        """``{user id: open conversations assigned}`` (all departments), as committed for the query."""
        if not users:
            return {}
        self.env.cr.execute("""
            SELECT whatsapp_assignee_id, COUNT(*) FROM discuss_channel
             WHERE channel_type = 'whatsapp' AND whatsapp_status = 'open' AND whatsapp_assignee_id = ANY(%s)
          GROUP BY whatsapp_assignee_id
        """, [users.ids])
        return dict(self.env.cr.fetchall())

    def _whatsapp_assign_automatically(self, user):
        """Give this conversation to ``user`` if nobody took it meanwhile; True when assigned."""
        self.ensure_one()
        assigned = self._whatsapp_assign_if_unassigned(user)
        if assigned:
            self._whatsapp_join(user)
            self._whatsapp_post_notice(self.env._("Assigned automatically to %(attendant)s.", attendant=user.name))
            self._whatsapp_notify_queue()
        return assigned

    @api.model
    def _whatsapp_release_idle(self, batch_size=1000):
        """Auto-release puts conversations back through their department's assignment."""
        channels = super()._whatsapp_release_idle(batch_size)
        if channels:
            channels.sudo().whatsapp_department_id._whatsapp_schedule_assignment()
        return channels
