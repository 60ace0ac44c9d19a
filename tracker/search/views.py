from flask import Blueprint, render_template, request
from flask_login import current_user

from tracker.forms import page_number
from tracker.search import services
from tracker.search.forms import SearchForm

bp = Blueprint("search", __name__)


@bp.get("/search")
def results():
    """GET /search?q=…[&kind=…][&page=…]: the header's search box lands here. Without `q` the page offers the box."""
    form = SearchForm(request.args)
    kind = request.args.get("kind")
    kind = kind if kind in services.KIND_BY_KEY else None
    found = None
    if "q" in request.args and form.validate():
        found = services.search(current_user, form.query, kind=kind, page=page_number(request.args))
    return render_template("search/results.html", form=form, found=found, kinds=services.KINDS, kind=kind)
