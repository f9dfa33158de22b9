"""The inbox: the tasks for me, my organisation and my role."""

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user, login_required

from webapp.extensions import db
from webapp.models import utcnow
from webapp.services.tasks import inbox_query

bp = Blueprint("inbox", __name__)


@bp.route("/")
@login_required
def index():
    page = db.paginate(inbox_query(current_user), page=request.args.get("page", 1, type=int),
                       per_page=current_app.config["INBOX_PAGE_SIZE"], error_out=False)
    return render_template("inbox/index.html", page=page, now=utcnow())
