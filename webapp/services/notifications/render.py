"""A notification as an e-mail: subject, plain text and HTML from templates/mail/, in the
user's language, with a Message-ID derived from the outbox row.

Built with the standard library's email package (MIME classes: multipart/alternative, body
and header encoding), see the commits that chose it. What a message may say: the kind, the
step's title, the case code, the due date and links. Nothing else is passed to the templates.
"""

import email.charset
import email.policy
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, parseaddr
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import get_locale, get_translations, ngettext
from flask_babel import gettext as _
from jinja2 import Environment, select_autoescape

from webapp.i18n.formatting import format_due
from webapp.i18n.locale import in_language
from webapp.models import Notification, User
from webapp.services import bundletexts
from webapp.services.notifications.kinds import DIGEST_KIND, KINDS
from webapp.services.notifications.settings import unsubscribe_token

DIGEST_LIMIT = 100  # items listed in one digest; the rest are in the inbox


class _Policy(email.policy.Compat32):
    """compat32 with SMTP line endings that writes a plain ASCII header as it is: the
    library's folding builds a Header object per header, which was a third of the cost of
    a message, and long headers must not be folded anyway (a List-Unsubscribe URL must stay
    a plain <URL> for mail programs to offer it). A line break in a value is refused, so no
    value can add a header."""

    def fold_binary(self, name, value):
        if isinstance(value, str) and value.isascii():
            if "\r" in value or "\n" in value:
                raise ValueError(f"line break in the {name} header")
            return f"{name}: {value}\r\n".encode("ascii")
        return super().fold_binary(name, value)


_POLICY = _Policy(linesep="\r\n", max_line_length=998)
_UTF8 = email.charset.Charset("utf-8")
_UTF8.body_encoding = email.charset.QP


@dataclass(frozen=True)
class Mail:
    subject: str
    text: str
    html: str
    unsubscribe: str  # the link that stops all mail for this user


class Links:
    """Absolute links into mawflow (BASE_URL), built from the app's routes without a request;
    and the steps' names in each recipient's language, read once per pass."""

    def __init__(self) -> None:
        base = urlsplit(current_app.config["BASE_URL"])
        self._adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/",
                                                 url_scheme=base.scheme or "https")
        self._steps: dict[str, dict[str, str]] = {}

    def step(self, title: str, language: str) -> str:
        """A step's title as stored (the process bundle's words) in ``language``."""
        if not title:
            return ""
        names = self._steps.get(language)
        if names is None:
            names = self._steps[language] = bundletexts.step_names(
                language, current_app.config["DEFAULT_LANGUAGE"])
        return names.get(title, title)

    def __call__(self, endpoint: str, **values) -> str:
        return self._adapter.build(endpoint, values, force_external=True)

    def target(self, kind: str, task_id: int | None, code: str) -> str:
        if KINDS[kind].link == "task" and task_id is not None:
            return self("tasks.show", task_id=task_id)
        if code and KINDS[kind].link != "inbox":
            return self("cases.show", code=code)
        return self("inbox.index")


def locale_of(user: User) -> str:
    """The language a user's mail is written in: the one they chose, else the deployment's
    default (MAWFLOW_DEFAULT_LANGUAGE); never the language of whoever caused the message."""
    language = getattr(user, "language", None)
    if language in current_app.config["LANGUAGES"]:
        return language
    return current_app.config["DEFAULT_LANGUAGE"]


def message_id(notification_id: int, sender: str) -> str:
    """The same for every attempt at one outbox row (a resend after a crash carries the id of
    the first, so mail systems and readers can see it is the same message), and different
    between installations that share a domain."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    tag = hmac.new(secret, str(notification_id).encode(), hashlib.sha256).hexdigest()[:16]
    domain = parseaddr(sender)[1].rpartition("@")[2] or "mawflow.invalid"
    return f"<notification-{notification_id}.{tag}@{domain}>"


def _due(when: datetime | None) -> str:
    return format_due(when, "long") if when else ""


def unsubscribe_link(user, links: Links) -> str:
    return links("notifications.unsubscribe", token=unsubscribe_token(user.id))


def _common(user, links: Links, why: str) -> dict:
    return {"lang": locale_of(user), "why": why,
            "settings_url": links("notifications.settings"),
            "unsubscribe_url": unsubscribe_link(user, links)}


def _render(name: str, context: dict) -> str:
    return _environment(str(get_locale() or "en")).get_template(name).render(**context)


def _environment(locale: str) -> Environment:
    """A Jinja environment for mail in one language, built once per process: its gettext is
    bound to that language's catalog. (Through the app's environment every ``_()`` looked
    the locale up again, most of the cost of rendering a message.) Mail templates use
    nothing of Flask: only what compose() passes."""
    cache = current_app.extensions.setdefault("mawflow_mail_templates", {})
    environment = cache.get(locale)
    if environment is None:
        environment = Environment(loader=current_app.jinja_loader,
                                  extensions=["jinja2.ext.i18n"],
                                  autoescape=select_autoescape(["html"]))
        environment.install_gettext_translations(get_translations(), newstyle=True)
        cache[locale] = environment
    return environment


def compose(note: Notification, user: User, items: list[Notification], links: Links) -> Mail:
    """The subject and bodies of one message (``items``: a digest's items), in the
    recipient's language."""
    language = locale_of(user)
    with in_language(language):
        if note.kind == DIGEST_KIND:
            return _digest(user, items, links, language)
        kind = KINDS[note.kind]
        context = {**_common(user, links, _("You get this message for: %(kind)s.",
                                            kind=kind.label)),
                   "subject": str(kind.subject % {"code": note.case_code}),
                   "sentence": str(kind.sentence), "step": links.step(note.step, language),
                   "code": note.case_code, "due": _due(note.due_at),
                   "link": links.target(note.kind, note.task_id, note.case_code)}
        return Mail(context["subject"], _render("mail/notice.txt", context),
                    _render("mail/notice.html", context), context["unsubscribe_url"])


def _digest(user: User, items: list[Notification], links: Links, language: str) -> Mail:
    seen, sections = set(), []
    for name, kind in KINDS.items():
        entries = []
        for item in items:
            key = (item.kind, item.task_id, item.case_code)
            if item.kind != name or key in seen:
                continue
            seen.add(key)
            entries.append({"step": links.step(item.step, language), "code": item.case_code,
                            "due": _due(item.due_at),
                            "link": links.target(item.kind, item.task_id, item.case_code)})
        if entries:
            sections.append({"heading": str(kind.heading), "entries": entries})
    total = sum(len(s["entries"]) for s in sections)
    shown, left = [], DIGEST_LIMIT
    for section in sections:
        if left <= 0:
            break
        shown.append({**section, "entries": section["entries"][:left]})
        left -= len(section["entries"])
    subject = ngettext("Your mawflow digest: %(num)d waiting",
                       "Your mawflow digest: %(num)d waiting", total)
    context = {**_common(user, links, _("You get this digest for what you chose to receive "
                                        "once a day.")),
               "subject": subject, "sections": shown, "total": total,
               "more": max(0, total - DIGEST_LIMIT), "inbox_url": links("inbox.index")}
    return Mail(subject, _render("mail/digest.txt", context), _render("mail/digest.html", context),
                context["unsubscribe_url"])


def build(note, user, mail: Mail, *, sender: str, links: Links, now: datetime,
          unsubscribe: str) -> bytes:
    """The message to hand to SMTP, as bytes: text and HTML alternatives (UTF-8,
    quoted-printable), and the headers that let a mail program offer one-click unsubscribe
    (RFC 8058) and see it is automatic. ``unsubscribe``: the user's stop link.

    The standard library's MIME classes with the compat32 policy: they build the same
    multipart message as EmailMessage at a fraction of its cost (EmailMessage parses every
    header it is given, which made building a message cost more than sending it)."""
    # A boundary of our own: the library's checks the whole text for a collision each time.
    message = MIMEMultipart("alternative", boundary=f"=_mawflow_{secrets.token_hex(12)}")
    message["Subject"] = _header(mail.subject)
    message["From"] = sender
    message["To"] = user.email
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id(note.id, sender)
    message["Auto-Submitted"] = "auto-generated"
    message["List-Unsubscribe"] = f"<{unsubscribe}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.attach(MIMEText(mail.text, "plain", _UTF8))
    message.attach(MIMEText(mail.html, "html", _UTF8))
    return message.as_bytes(policy=_POLICY)


def _header(value: str) -> str | Header:
    return value if value.isascii() else Header(value, "utf-8")
