"""API of the service-desk settings (mount at /api/v1/ with no prefix of its own):

    GET    /service/calendars                     calendars with their hours and holidays
    POST   /service/calendars                     create one (the first is the default)
    GET    /service/calendars/{id}
    PATCH  /service/calendars/{id}                "holidays", when sent, replaces the list
    DELETE /service/calendars/{id}                refused while a policy uses it, or default
    POST   /service/calendars/{id}/holidays       add one holiday {"date", "name"}
    DELETE /service/calendars/{id}/holidays/{date}
    GET    /service/sla-policies                  in the order they are tried
    POST   /service/sla-policies, GET/PATCH/DELETE /service/sla-policies/{id}
    POST   /service/sla-policies/order            {"ids": [every policy id, in order]}
    GET    /service/categories, POST /service/categories
    PATCH  /service/categories/{id}, DELETE /service/categories/{id}  (refused while used)
    POST   /service/categories/order              {"ids": [every category id, in order]}
    GET    /service/mailboxes, POST /service/mailboxes
    GET/PATCH/DELETE /service/mailboxes/{id}
    POST   /service/mailboxes/{id}/check          sign in to its servers; the problems found

Working hours are an object keyed by weekday, "0" (Monday) to "6" (Sunday), each a list of
["HH:MM", "HH:MM"] pairs (a day left out is a day off; "24:00" ends at midnight); the same
text the settings page takes ("09:00–13:00, 14:00–18:00") is accepted too. Times of day
(the cut-off rule) are "HH:MM"; targets are working minutes. Mailbox passwords are never
returned (`has_password`, `has_smtp_password` say whether one is set); a change without a
password keeps the saved one, and `"smtp_password": null` removes the SMTP password.

Calendars, policies and categories can be read by every signed-in user (ticket forms and
scripts need them); mailboxes and every write need an administrator, checked before a row is
looked up, so anyone else gets 403 whether or not the row exists. Input is strict (unknown
fields are refused) and errors use the shared format of `platform.api_base`. One module per
purpose: `calendars`, `policies`, `categories`, `mailboxes`.
"""

from ninja import Router

from . import calendars, categories, mailboxes, policies

router = Router(tags=["service settings"])
router.add_router("", calendars.router)
router.add_router("", policies.router)
router.add_router("", categories.router)
router.add_router("", mailboxes.router)
