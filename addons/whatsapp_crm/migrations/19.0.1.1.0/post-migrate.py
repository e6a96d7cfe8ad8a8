"""19.0.1.1.0: only the assignee is a member of a WhatsApp conversation.

Conversations used to have the customer and every attendant as members: the customer's login (if any)
received internal notes on the bus, and each attendant's websocket listened to every open conversation.
"""


def migrate(cr, version):
    cr.execute("""
        DELETE FROM discuss_channel_member member
         USING discuss_channel channel
         WHERE member.channel_id = channel.id AND channel.channel_type = 'whatsapp'
           AND (channel.whatsapp_status IS DISTINCT FROM 'open'
                OR member.partner_id IS DISTINCT FROM (SELECT partner_id FROM res_users
                                                       WHERE id = channel.whatsapp_assignee_id))
    """)
