from datetime import timedelta
from random import randint

import pytz

from odoo import api, fields, models
from odoo.modules import module as odoo_module
from odoo.tools.misc import format_date

from ..const import ATTENDANT_GROUP, JOB_CHANNEL_ASSIGN
from .whatsapp_job import after_commit, delay

# How far ahead the next opening time is looked for (a long holiday, a closed season).
OPENING_SEARCH_DAYS = 45
# cr.postcommit.data key: the departments whose assignment is asked for once the transaction commits.
ASSIGN_AFTER_COMMIT = "whatsapp_crm.assign_after_commit"
# A conversation is "routed" once it belongs to a department; "menu" while the customer chooses one.
ASSIGNMENT_MODES = [
    ("manual", "Manual (attendants take conversations)"),
    ("round_robin", "Round robin"),
    ("least_busy", "Least busy"),
]


class WhatsAppDepartment(models.Model):
    """A department ("setor"): the people who answer one kind of question (the box office, the
    education programme, the press office), with their own queue, hours and assignment rules.

    The greeting menu on a customer's first message lists the active departments of the account's
    company in ``sequence`` order (``discuss_channel_routing.py``).
    """

    _name = "whatsapp.department"
    _description = "WhatsApp Department"
    _order = "sequence, id"

    name = fields.Char(required=True,
                       help="What the customer reads in the greeting menu and attendants in the queue.")
    active = fields.Boolean(default=True)
    sequence = fields.Integer("Menu Order", default=10, help="The order of the departments in the greeting menu.")
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    color = fields.Integer(default=lambda self: randint(1, 11))
    is_default = fields.Boolean(
        "Default Department",
        help="Receives the conversations of customers who do not choose in the menu (no answer in time, or "
             "invalid answers). Without one, the first department of the menu.")
    member_ids = fields.Many2many(
        "res.users", "whatsapp_department_res_users_rel", "department_id", "user_id", "Attendants",
        domain=lambda self: [("group_ids", "in", self.env.ref(ATTENDANT_GROUP).id), ("share", "=", False)],
        help="Who sees and takes this department's queue (managers see every queue).")
    greeting = fields.Text(
        "Greeting",
        help="Sent to the customer when their conversation reaches this department (optional).")
    resource_calendar_id = fields.Many2one(
        "resource.calendar", "Business Hours",
        help="Working hours, breaks and holidays (time off of the calendar). Empty: always open.")
    absence_message = fields.Text(
        "Absence Message",
        help="Sent once per conversation when a customer writes outside business hours. {{abertura}} is "
             "replaced by the next opening time; without it, the opening time is added at the end. Empty: a "
             "standard message.")
    assignment_mode = fields.Selection(
        ASSIGNMENT_MODES, "Assignment", default="manual", required=True,
        help="Manual: conversations wait in the queue until an attendant takes them. Round robin: each new "
             "conversation goes to the next available attendant in turn. Least busy: to the available attendant "
             "answering the fewest conversations. Available: online in Odoo, under their capacity, not on leave.")
    capacity = fields.Integer(
        "Conversations per Attendant", default=5,
        help="How many open conversations automatic assignment gives one attendant at most (unless the "
             "attendant has their own limit).")
    last_assigned_user_id = fields.Many2one("res.users", "Last Assigned", readonly=True, ondelete="set null",
                                            help="Where round robin resumes.")

    _default_unique = models.UniqueIndex("(company_id) WHERE is_default AND active",
                                         "A company has one default department.")
    _capacity_positive = models.Constraint("CHECK(capacity > 0)",
                                           "An attendant answers at least one conversation at a time.")

    # ------------------------------------------------------------
    # BUSINESS HOURS
    # ------------------------------------------------------------

    def _whatsapp_work_intervals(self, start, end):
        """The department's open intervals between two naive UTC datetimes, as aware datetimes."""
        self.ensure_one()
        # sudo: resource.calendar - business hours are read for whoever (or whichever job) asks
        calendar_sudo = self.resource_calendar_id.sudo()
        start_utc, end_utc = pytz.utc.localize(start), pytz.utc.localize(end)
        return list(calendar_sudo._work_intervals_batch(start_utc, end_utc)[False])

    def _whatsapp_is_open(self, at=None):
        """Open now (or at ``at``, naive UTC): inside the calendar's hours, outside breaks and holidays."""
        self.ensure_one()
        if not self.resource_calendar_id:
            return True
        at = at or fields.Datetime.now()
        intervals = self._whatsapp_work_intervals(at - timedelta(days=1), at + timedelta(hours=1))
        return any(start <= pytz.utc.localize(at) < stop for start, stop, _meta in intervals)

    def _whatsapp_next_opening(self, at=None):
        """When the department opens next after ``at`` (naive UTC), as an aware datetime in the
        calendar's time zone; None without hours in the next weeks."""
        self.ensure_one()
        at = at or fields.Datetime.now()
        if not self.resource_calendar_id:
            return None
        for start, _stop, _meta in self._whatsapp_work_intervals(at, at + timedelta(days=OPENING_SEARCH_DAYS)):
            if start > pytz.utc.localize(at):
                return start.astimezone(pytz.timezone(self.resource_calendar_id.tz or "UTC"))
        return None

    def _whatsapp_business_seconds(self, start, end):
        """Seconds of business hours between two naive UTC datetimes (response times "in business
        hours", for reports); the plain difference without a calendar."""
        self.ensure_one()
        if not start or not end or end <= start:
            return 0
        if not self.resource_calendar_id:
            return int((end - start).total_seconds())
        intervals = self._whatsapp_work_intervals(start, end)
        return int(sum((stop - begin).total_seconds() for begin, stop, _meta in intervals))

    # ------------------------------------------------------------
    # ATTENDANTS
    # ------------------------------------------------------------

    @api.model
    def _whatsapp_user_departments(self, user=None):
        """The active departments ``user`` (default: the current user) belongs to."""
        user = user or self.env.user
        # sudo: whatsapp.department - a user's own departments, for their queue
        return self.sudo().search([("member_ids", "in", user.id)])

    def _whatsapp_attendants(self):
        """The active internal attendants of these departments (who sees their queues)."""
        attendants = self.env.ref(ATTENDANT_GROUP)
        # sudo: res.users - members' groups and state, for routing and notifications
        return self.sudo().member_ids.filtered(
            lambda user: user.active and not user.share and attendants in user.all_group_ids)

    def _whatsapp_capacity_of(self, user):
        self.ensure_one()
        return user.whatsapp_capacity or self.capacity

    def _whatsapp_on_leave(self, users, at=None):
        """The users among ``users`` on leave at ``at`` (their time off in Odoo's calendar)."""
        at = at or fields.Datetime.now()
        # sudo: resource.calendar.leaves - whether an attendant is away, not the leave's details
        leaves_sudo = self.env["resource.calendar.leaves"].sudo().search([
            ("resource_id.user_id", "in", users.ids), ("date_from", "<=", at), ("date_to", ">", at)])
        return leaves_sudo.resource_id.user_id

    def _whatsapp_available(self, at=None):
        """Members who may receive a conversation now: online in Odoo (presence), not on leave."""
        self.ensure_one()
        members = self._whatsapp_attendants()
        online = members.filtered(lambda user: user.im_status == "online")
        return online - self._whatsapp_on_leave(online, at)

    # ------------------------------------------------------------
    # AUTOMATIC ASSIGNMENT
    # ------------------------------------------------------------

    def _whatsapp_schedule_assignment(self):
        """Assign these departments' waiting conversations soon, in a job of their own, never inside
        the transaction that processes customers' messages.

        The job is asked for once this transaction has committed, from a new one: one job waiting per
        department is enough only if it will read after our commit. A job this transaction's old
        snapshot still saw as waiting may in fact have read already (it commits "started" before it
        reads): 1,000 first contacts left 14 conversations waiting forever that way. Seen from after
        the commit, a job still pending or enqueued has not read yet.
        """
        departments = self.filtered(lambda d: d.active and d.assignment_mode != "manual")
        if not departments:
            return
        after_commit(self.browse(), ASSIGN_AFTER_COMMIT, departments.ids, "_whatsapp_delay_assignment")

    @api.model
    def _whatsapp_delay_assignment(self, department_ids):
        """One assignment job per department with conversations waiting (``identity_key``: at most
        one pending at a time). Lost if this fails: the next change of a conversation or of an
        attendant's presence asks again."""
        channels = self.env["discuss.channel"]
        for department in self.browse(department_ids):
            if not channels._whatsapp_waiting_in(department, 1):
                continue
            delay(department, channel=JOB_CHANNEL_ASSIGN, identity_key=f"whatsapp_assign:{department.id}",
                  description=f"WhatsApp: assign the waiting conversations of {department.name}",
                  )._job_whatsapp_assign()

    def _job_whatsapp_assign(self):
        """Job: give the waiting conversations of this department to available attendants, in a
        transaction of its own (see ``_whatsapp_assign_in_new_transaction``)."""
        if odoo_module.current_test:
            return self._whatsapp_assign_waiting()
        with self.env.registry.cursor() as cr:
            return self.with_env(self.env(cr=cr))._whatsapp_assign_in_transaction().ids

    def _whatsapp_assign_in_transaction(self):
        """Assign in the current transaction, which must be new (no query run yet): READ COMMITTED,
        so that once the company's assignment lock is held, the loads counted include every
        assignment committed by whoever held it before (a REPEATABLE READ snapshot, taken before
        waiting for the lock, would miss them and exceed capacities)."""
        self.env.cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
        return self._whatsapp_assign_waiting()

    def _whatsapp_assign_waiting(self, limit=500):
        """Give waiting conversations (oldest first) to available members under their capacity.

        Atomic under concurrency: assignments of one company run one at a time (a transaction-level
        advisory lock; a member may belong to several departments, and their capacity counts all of
        their conversations), and each UPDATE only takes a conversation still unassigned. Returns the
        conversations assigned.
        """
        self.ensure_one()
        channels = self.env["discuss.channel"]
        if not self.active or self.assignment_mode == "manual" or not self._whatsapp_is_open():
            return channels
        self.env.cr.execute("SELECT pg_advisory_xact_lock(hashtext(%s))",
                            [f"whatsapp_crm.assign:{self.company_id.id}"])
        channels.flush_model()
        waiting = channels._whatsapp_waiting_in(self, limit)
        if not waiting:
            return channels
        available = self._whatsapp_available()
        loads = channels._whatsapp_open_loads(available)
        free = {user: self._whatsapp_capacity_of(user) - loads.get(user.id, 0) for user in available}
        assigned = channels
        for channel in waiting:
            user = self._whatsapp_pick((user for user, slots in free.items() if slots > 0), loads)
            if not user:
                break
            if channel._whatsapp_assign_automatically(user):
                free[user] -= 1
                loads[user.id] = loads.get(user.id, 0) + 1
                self.sudo().last_assigned_user_id = user
                assigned |= channel
        return assigned

    def _whatsapp_pick(self, candidates, loads):
        """The next attendant among ``candidates`` by the department's mode: after the last one
        assigned (round robin), or answering the fewest open conversations (least busy)."""
        candidates = self.env["res.users"].union(*candidates).sorted("id")
        if not candidates:
            return candidates
        if self.assignment_mode == "least_busy":
            return min(candidates, key=lambda user: (loads.get(user.id, 0), user.id))
        last = self.last_assigned_user_id.id or 0
        return next((user for user in candidates if user.id > last), candidates[0])

    @api.model
    def _whatsapp_schedule_for_users(self, users):
        """Someone freed a slot or came online: assign what waits in their departments."""
        if users:
            # sudo: whatsapp.department - the departments of the users whose availability changed
            self.sudo().search([("member_ids", "in", users.ids),
                                ("assignment_mode", "!=", "manual")])._whatsapp_schedule_assignment()

    @api.model
    def _whatsapp_format_opening(self, opening, lang):
        """"segunda-feira, 07/12 às 09:00": the next opening time, as the customer reads it."""
        env = self.with_context(lang=lang).env
        return env._("%(day)s at %(time)s", day=format_date(env, opening.date(), lang, date_format="EEEE, dd/MM"),
                     time=f"{opening:%H:%M}")
