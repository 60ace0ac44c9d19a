"""A read-only API for other systems: a body's case system pulls the recommendations sent to that body, a national
observer's every one, as JSON in the open data's schema, with a key made by a person who may read them. The
OpenAPI description is public; everything else needs "Authorization: Bearer <key>"."""
import functools
import hashlib
import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from flask_login import current_user
from wtforms import StringField
from wtforms.validators import Length

from tracker.accounts.models import User
from tracker.bodies.models import BodyContact, BodyRecommendation, ExternalBody
from tracker.db import paginate_rows, utcnow
from tracker.errors import ValidationFailed
from tracker.extensions import db
from tracker.forms import ConfirmForm, Form
from tracker.permissions import require
from tracker.register import records
from tracker.register.models import ApiToken
from tracker.web import submitted

bp = Blueprint("api", __name__)
PER_PAGE = 100


def _hash(raw):
    return hashlib.sha256(raw.encode()).hexdigest()


# Keys, made and revoked by their holder


class KeyForm(Form):
    name = StringField(lazy_gettext("What the key is for"), validators=[Length(max=100)],
                       description=lazy_gettext("For example, the department's case system."))


def make_key(user, name):
    name = (name or "").strip()
    if not name:
        raise ValidationFailed({"name": gettext("Say what the key is for, so that you know which to revoke")})
    raw = secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, name=name, token_hash=_hash(raw)))
    db.session.commit()
    return raw


@bp.route("/account/api-keys", methods=["GET", "POST"])
def keys():
    require("use_api")
    form = KeyForm()
    made = None
    if form.validate_on_submit():
        try:
            made = make_key(current_user, form.name.data)
            form = KeyForm(formdata=None)
        except ValidationFailed as failure:
            db.session.rollback()
            form.name.errors = [failure.errors["name"]]
    held = db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == current_user.id,
                                                        ApiToken.revoked_at.is_(None))
                              .order_by(ApiToken.created_at.desc())).all()
    return render_template("api/keys.html", form=form, made=made, held=held)


@bp.route("/account/api-keys/<int:key_id>/revoke", methods=["GET", "POST"])
def revoke_key(key_id):
    """Only the key's holder may revoke it (even once they may no longer make keys); for anyone else it does not
    exist."""
    key = db.session.get(ApiToken, key_id)
    if key is None or key.user_id != current_user.id or key.revoked_at is not None:
        abort(404)
    form = ConfirmForm()
    done = submitted(form, lambda: _revoke(key), gettext("The key has been revoked: it no longer works."),
                     lambda _: redirect(url_for("api.keys")))
    return done or render_template("api/revoke.html", form=form, key=key)


def _revoke(key):
    key.revoked_at = utcnow()
    db.session.commit()


# The API itself


def _error(status, message):
    response = jsonify(error=message)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="tracker"'
    return response


def _reader():
    """The active person whose live key the request carries, or None."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer ") or len(header) > 200:
        return None
    key = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == _hash(header[7:].strip()),
                                                      ApiToken.revoked_at.is_(None)))
    if key is None:
        return None
    user = db.session.get(User, key.user_id)
    if user is None or not user.is_active:
        return None
    # at most once a minute, so that a busy system does not write with every read
    if key.last_used_at is None or (utcnow() - key.last_used_at).total_seconds() > 60:
        key.last_used_at = utcnow()
        db.session.commit()
    return user


def _readable(user):
    return user.is_administrator or user.national_role is not None or bool(user.body_contacts)


def _authorised(view):
    @functools.wraps(view)
    def checked(*args, **kwargs):
        user = _reader()
        if user is None:
            return _error(401, "A valid key is needed: send it as 'Authorization: Bearer <key>'.")
        if not _readable(user):
            return _error(403, "This key's holder may not read recommendations to bodies.")
        return view(user, *args, **kwargs)

    return checked


def _base():
    return current_app.config["TRACKER_BASE_URL"].rstrip("/")


@bp.get("/api/v1/recommendations")
@_authorised
def list_recommendations(user):
    where = [records.reader_filter(user)]
    if request.args.get("body", "").isdigit():
        where.append(BodyRecommendation.body_id == int(request.args["body"]))
    since = request.args.get("updated_since")
    if since:
        try:
            moment = datetime.fromisoformat(since)
            where.append(BodyRecommendation.updated_at >= (moment if moment.tzinfo else moment.replace(tzinfo=UTC)))
        except ValueError:
            return _error(400, "updated_since must be a date or time in ISO 8601, e.g. 2026-12-01T00:00:00+00:00.")
    page_arg = request.args.get("page", "1")
    page = paginate_rows(records.select_items(*where), int(page_arg) if page_arg.isdigit() and 0 < int(page_arg)
                         < 100_000 else 1, PER_PAGE)
    return jsonify(version=records.SCHEMA_VERSION, page=page.page, pages=page.pages, total=page.total,
                   recommendations=[records.record(row[0], _base(), False) for row in page.items])


@bp.get("/api/v1/recommendations/<int:item_id>")
@_authorised
def get_recommendation(user, item_id):
    item = db.session.scalar(records.select_item(item_id, records.reader_filter(user)))
    if item is None:
        return _error(404, "No such recommendation that this key may read.")
    return jsonify(version=records.SCHEMA_VERSION, recommendation=records.record(item, _base(), False))


@bp.get("/api/v1/bodies")
@_authorised
def list_bodies(user):
    select = sa.select(ExternalBody).order_by(sa.func.lower(ExternalBody.name))
    if not (user.is_administrator or user.national_role is not None):
        select = select.where(ExternalBody.id.in_(sa.select(BodyContact.body_id).where(BodyContact.user_id == user.id)))
    return jsonify(version=records.SCHEMA_VERSION, bodies=[dict(id=b.id, name=b.name, kind=b.kind.value)
                                                           for b in db.session.scalars(select)])


@bp.get("/api/v1/openapi.json")
def openapi():
    return jsonify(openapi_document(_base()))


def openapi_document(base):
    """The API's OpenAPI 3.1 description, its record schema built from the same FIELDS as the downloads."""
    types = {"integer": {"type": ["integer", "null"]}, "string": {"type": ["string", "null"]},
             "date": {"type": ["string", "null"], "format": "date"},
             "list of strings": {"type": "array", "items": {"type": "string"}},
             "list of objects": {"type": "array", "items": {"type": "object"}}}
    record = {"type": "object", "required": [name for name, _t, _d in records.FIELDS],
              "properties": {name: {**types[kind], "description": str(description)}
                             for name, kind, description in records.FIELDS}}
    errors = {"description": "Refused", "content": {"application/json": {"schema": {
        "type": "object", "properties": {"error": {"type": "string"}}}}}}
    ok = lambda schema: {"description": "OK", "content": {"application/json": {"schema": schema}}}  # noqa: E731
    return {
        "openapi": "3.1.0",
        "info": {"title": "Action tracker: recommendations to bodies", "version": records.SCHEMA_VERSION,
                 "description": "Read-only. A key reads what its holder may read: a body's contact the "
                                "recommendations sent to that body; a national observer every one. Before a review "
                                "is published, only what the partnership shared with the body once it was sent."},
        "servers": [{"url": base}],
        "components": {"securitySchemes": {"key": {"type": "http", "scheme": "bearer"}},
                       "schemas": {"Recommendation": record}},
        "security": [{"key": []}],
        "paths": {
            "/api/v1/recommendations": {"get": {
                "summary": "Recommendations the key may read, 100 a page, in id order",
                "parameters": [
                    {"name": "body", "in": "query", "schema": {"type": "integer"}, "description": "One body's"},
                    {"name": "updated_since", "in": "query", "schema": {"type": "string", "format": "date-time"},
                     "description": "Only those changed since"},
                    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}}],
                "responses": {"200": ok({"type": "object", "properties": {
                    "version": {"type": "string"}, "page": {"type": "integer"}, "pages": {"type": "integer"},
                    "total": {"type": "integer"},
                    "recommendations": {"type": "array", "items": {"$ref": "#/components/schemas/Recommendation"}}}}),
                    "400": errors, "401": errors, "403": errors}}},
            "/api/v1/recommendations/{id}": {"get": {
                "summary": "One recommendation to a body",
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "responses": {"200": ok({"type": "object", "properties": {
                    "version": {"type": "string"},
                    "recommendation": {"$ref": "#/components/schemas/Recommendation"}}}),
                    "401": errors, "403": errors, "404": errors}}},
            "/api/v1/bodies": {"get": {
                "summary": "The bodies the key may read the recommendations of",
                "responses": {"200": ok({"type": "object", "properties": {"bodies": {"type": "array", "items": {
                    "type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                                                     "kind": {"type": "string"}}}}}}),
                    "401": errors, "403": errors}}},
            "/api/v1/openapi.json": {"get": {"summary": "This description", "security": [],
                                             "responses": {"200": {"description": "OK"}}}},
        },
    }
