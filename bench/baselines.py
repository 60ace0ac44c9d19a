"""The baselines bench/pages.py compares each page with: serving the page's bytes through the same request
machinery; the one hand-written SQL statement for the rows the page shows, on a raw connection; and rendering,
which is the page's own template or file writer (PDF, CSV, XLSX) as timed inside its requests, or for the
calendar feed writing the hand-written rows as events."""
import statistics
import time
from datetime import timedelta

import sqlalchemy as sa
from flask import Response
from flask_login import current_user

from tracker.actions.state import london_today

BODIES = {}
OPEN = "('not_started', 'in_progress', 'blocked')"

#: for each page, the statement for what it shows; :p the partnership, :u the person, :g their agency (or none)
SQL = {
    "home": f"""
        SELECT sum(CASE WHEN owner_id = :u AND status IN {OPEN} THEN 1 ELSE 0 END),
               sum(CASE WHEN owner_id = :u AND status IN {OPEN} AND deadline < :today THEN 1 ELSE 0 END),
               sum(CASE WHEN :watch = 1 AND status IN {OPEN} AND deadline < :today THEN 1 ELSE 0 END),
               sum(CASE WHEN :watch = 1 THEN 1 ELSE 0 END), sum(CASE WHEN :watch = 1 AND status = 'closed'
               THEN 1 ELSE 0 END)
        FROM action WHERE partnership_id = :p""",
    "my actions": f"""
        SELECT a.id, a.title, a.deadline, a.status, p.name, count(*) OVER ()
        FROM action a JOIN partnership p ON p.id = a.partnership_id
        WHERE a.owner_id = :u AND a.status IN {OPEN} ORDER BY a.deadline, a.id LIMIT 25""",
    "action list": """
        SELECT a.id, a.title, a.deadline, a.status, a.source, g.name, u.name,
               (SELECT count(*) FROM action WHERE partnership_id = :p)
        FROM action a JOIN agency g ON g.id = a.lead_agency_id LEFT JOIN "user" u ON u.id = a.owner_id
        WHERE a.partnership_id = :p ORDER BY a.deadline, a.id LIMIT 25""",
    # reached by "Next": the 25 rows after the action the page follows, in the list's order
    "action list, deep page": """
        SELECT a.id, a.title, a.deadline, a.status, a.source, g.name, u.name,
               (SELECT count(*) FROM action WHERE partnership_id = :p)
        FROM action a JOIN agency g ON g.id = a.lead_agency_id LEFT JOIN "user" u ON u.id = a.owner_id
        WHERE a.partnership_id = :p AND a.deadline >= (SELECT deadline FROM action WHERE id = :after)
          AND (a.deadline > (SELECT deadline FROM action WHERE id = :after) OR a.id > :after)
        ORDER BY a.deadline, a.id LIMIT 25""",
    "one action": """
        SELECT a.title, a.outcome, a.measure, a.deadline, a.status, g.name, o.name, pu.at, pu.note, pu.status,
               w.name
        FROM action a JOIN agency g ON g.id = a.lead_agency_id LEFT JOIN "user" o ON o.id = a.owner_id
        LEFT JOIN progress_update pu ON pu.action_id = a.id LEFT JOIN "user" w ON w.id = pu.author_id
        WHERE a.id = :a ORDER BY pu.at DESC""",
    "review list": """
        SELECT r.id, r.reference, r.status, r.decision_on, count(c.id)
        FROM review r LEFT JOIN recommendation c ON c.review_id = r.id
        WHERE r.partnership_id = :p GROUP BY r.id, r.reference, r.status, r.decision_on ORDER BY r.reference""",
    "review with plan": """
        SELECT c.id, c.number, c.text, a.id, a.title, a.status, a.deadline, g.name
        FROM recommendation c LEFT JOIN action a ON a.recommendation_id = c.id
        LEFT JOIN agency g ON g.id = a.lead_agency_id
        WHERE c.review_id = :r ORDER BY c.id, a.deadline, a.id""",
    "overdue report": f"""
        SELECT a.id, a.title, a.deadline, a.status, g.name, u.name, a.last_progress_at
        FROM action a JOIN agency g ON g.id = a.lead_agency_id LEFT JOIN "user" u ON u.id = a.owner_id
        WHERE a.partnership_id = :p AND a.status IN {OPEN} AND a.deadline < :today
          AND (CAST(:g AS INTEGER) IS NULL OR a.lead_agency_id = :g)
        ORDER BY g.name, a.deadline, a.id""",
    "progress report": """
        SELECT a.source, a.lead_agency_id, a.status, a.deadline < :today, a.deadline < :soon, count(*)
        FROM action a WHERE a.partnership_id = :p
        GROUP BY a.source, a.lead_agency_id, a.status, a.deadline < :today, a.deadline < :soon""",
    "learning report": """
        SELECT t.name, count(DISTINCT r.id), count(*)
        FROM theme t JOIN recommendation_theme rt ON rt.theme_id = t.id
        JOIN recommendation c ON c.id = rt.recommendation_id JOIN review r ON r.id = c.review_id
        WHERE t.partnership_id = :p AND r.partnership_id = :p GROUP BY t.name ORDER BY t.name""",
    "benchmark": """
        SELECT k.number, k.title, s.score, f.id, f.text, a.id, a.title, a.status, a.deadline
        FROM component_score s JOIN component k ON k.id = s.component_id
        LEFT JOIN finding f ON f.benchmark_id = s.benchmark_id AND f.component_id = s.component_id
        LEFT JOIN action a ON a.finding_id = f.id AND a.partnership_id = :p
        WHERE s.benchmark_id = :b ORDER BY k.number, f.position, a.deadline""",
    "reminders": f"""
        SELECT a.id, a.title, a.deadline, a.next_reminder_on, u.name, u.email
        FROM action a JOIN "user" u ON u.id = a.owner_id
        WHERE a.partnership_id = :p AND a.status IN {OPEN} AND a.next_reminder_on <= :today
        ORDER BY u.name, a.deadline""",
}
#: the calendar feed's events: the open actions the person owns or their agency leads, their strategic group's
#: meetings, and for the reviews they coordinate or chair, each unsubmitted one's target (its dates and the days it
#: stood paused) and the answers awaited from bodies
_IN_HAND = """(r.partnership_id IN (SELECT partnership_id FROM membership WHERE user_id = :u AND role = 'coordinator')
               OR r.id IN (SELECT review_id FROM panel_member WHERE user_id = :u AND is_chair))
              AND r.archived_at IS NULL"""
_FEED = f"""
        SELECT 'action', a.id, a.title, a.deadline, p.name FROM action a JOIN partnership p ON p.id = a.partnership_id
        WHERE a.status IN {OPEN} AND a.deadline IS NOT NULL AND a.owner_id = :u
        UNION ALL SELECT 'action', a.id, a.title, a.deadline, p.name FROM action a
        JOIN partnership p ON p.id = a.partnership_id
        WHERE a.status IN {OPEN} AND a.deadline IS NOT NULL AND (a.owner_id <> :u OR a.owner_id IS NULL)
              AND a.lead_agency_id IN
              (SELECT agency_id FROM membership WHERE user_id = :u AND role = 'agency_lead')
        UNION ALL SELECT 'meeting', m.id, p.name, m.meets_on, NULL FROM meeting m JOIN partnership p
        ON p.id = m.partnership_id WHERE m.partnership_id IN
              (SELECT partnership_id FROM membership WHERE user_id = :u AND role IN ('coordinator', 'strategic_member'))
        UNION ALL SELECT 'review', r.id, r.reference, COALESCE(r.agreed_target_on, r.decision_on),
              CAST((SELECT sum({{paused}}) FROM review_pause s WHERE s.review_id = r.id) AS VARCHAR)
        FROM review r WHERE r.submitted_on IS NULL AND {_IN_HAND}
        UNION ALL SELECT 'answer', i.id, r.reference, i.response_due_on, CAST(c.number AS VARCHAR)
        FROM body_recommendation i
        JOIN recommendation c ON c.id = i.recommendation_id JOIN review r ON r.id = c.review_id
        WHERE i.sent_on IS NOT NULL AND i.response_received_on IS NULL AND i.response_due_on IS NOT NULL
              AND (i.assessment IS NULL OR i.assessment = 'open_awaited') AND {_IN_HAND}"""
SQL["calendar feed"] = {
    "sqlite": _FEED.format(paused="julianday(COALESCE(s.ended_on, :today)) - julianday(s.started_on)"),
    "postgresql": _FEED.format(paused="COALESCE(s.ended_on, :today) - s.started_on"),
}
SQL["overdue report (CSV)"] = SQL["overdue report (XLSX)"] = SQL["meeting pack (PDF)"] = SQL["overdue report"]
#: the national register and the bodies' pages: the rows each shows, in one statement
_STATE = """CASE WHEN i.sent_on IS NULL THEN 'not_sent'
                 WHEN i.response_received_on IS NULL AND (i.assessment IS NULL OR i.assessment = 'open_awaited')
                      AND i.response_due_on < :today THEN 'overdue'
                 WHEN i.assessment IS NOT NULL AND i.assessment <> 'open_awaited' THEN i.assessment
                 WHEN i.response_received_on IS NOT NULL THEN 'received' ELSE 'awaited' END"""
_REGISTER = """
        SELECT 'body', b.id, b.name, {state}, count(*)
        FROM body_recommendation i JOIN external_body b ON b.id = i.body_id
        GROUP BY b.id, b.name, {state}, i.response_received_on IS NULL
        UNION ALL SELECT 'answered', i.body_id, NULL, NULL, {days} FROM body_recommendation i
        WHERE i.response_received_on IS NOT NULL
        UNION ALL SELECT 'year', {year}, NULL, NULL, count(*) FROM body_recommendation i WHERE i.sent_on IS NOT NULL
        GROUP BY {year}
        UNION ALL SELECT 'theme', NULL, lower(t.name), NULL, count(DISTINCT i.id) FROM body_recommendation i
        JOIN recommendation_theme rt ON rt.recommendation_id = i.recommendation_id JOIN theme t ON t.id = rt.theme_id
        GROUP BY lower(t.name)"""
SQL["national register"] = {
    "sqlite": _REGISTER.format(state=_STATE, year="CAST(strftime('%Y', i.sent_on) AS INTEGER)",
                               days="CAST(julianday(i.response_received_on) - julianday(i.sent_on) AS INTEGER)"),
    "postgresql": _REGISTER.format(state=_STATE, year="CAST(extract(year FROM i.sent_on) AS INTEGER)",
                                   days="i.response_received_on - i.sent_on"),
}
_REGISTER_PAGE = """
        SELECT i.id, i.shared_text, i.sent_on, i.response_due_on, c.number, c.text, r.reference, r.status, p.name,
               b.name
        FROM body_recommendation i JOIN recommendation c ON c.id = i.recommendation_id
        JOIN review r ON r.id = c.review_id JOIN partnership p ON p.id = r.partnership_id
        JOIN external_body b ON b.id = i.body_id
        WHERE {where} ORDER BY i.response_due_on, i.id LIMIT 25"""
SQL["register list"] = _REGISTER_PAGE.format(where="1 = 1")
SQL["register list (one body)"] = _REGISTER_PAGE.format(where="i.body_id = :body")
SQL["open data (one body)"] = _REGISTER_PAGE.format(
    where="i.body_id = :body AND r.status = 'published' AND p.open_data")
SQL["body's recommendations"] = _REGISTER_PAGE.format(where="i.body_id = :body AND i.sent_on IS NOT NULL")
#: the recommendation with its planned actions, and the texts of its body's others, compared for likely duplicates
_TEXTS = """SELECT o.id, CASE WHEN r.status = 'published' THEN c.text ELSE o.shared_text END, NULL, NULL, NULL, NULL,
               NULL, NULL, NULL, NULL
        FROM body_recommendation o JOIN recommendation c ON c.id = o.recommendation_id
        JOIN review r ON r.id = c.review_id
        WHERE o.sent_on IS NOT NULL AND o.body_id = (SELECT body_id FROM body_recommendation WHERE id = :item)"""
_ONE = """
        SELECT i.id, i.shared_text, i.sent_on, i.response_text, c.number, c.text, r.reference, p.name, b.name,
               s.text
        FROM body_recommendation i JOIN recommendation c ON c.id = i.recommendation_id
        JOIN review r ON r.id = c.review_id JOIN partnership p ON p.id = r.partnership_id
        JOIN external_body b ON b.id = i.body_id LEFT JOIN response_step s ON s.item_id = i.id
        WHERE i.id = :item"""
SQL["register recommendation"] = SQL["body's answer page"] = _ONE + " UNION ALL " + _TEXTS
SQL["open data recommendation"] = _ONE
SQL["likely duplicates (one body)"] = """
        SELECT i.id, c.text, i.shared_text, r.status FROM body_recommendation i
        JOIN recommendation c ON c.id = i.recommendation_id JOIN review r ON r.id = c.review_id
        WHERE i.body_id = :body AND i.sent_on IS NOT NULL"""
SQL["open data"] = """
        SELECT b.id, b.name, count(*) FROM body_recommendation i JOIN external_body b ON b.id = i.body_id
        JOIN recommendation c ON c.id = i.recommendation_id JOIN review r ON r.id = c.review_id
        JOIN partnership p ON p.id = r.partnership_id
        WHERE r.status = 'published' AND p.open_data GROUP BY b.id, b.name ORDER BY b.name"""
#: the chosen actions of the list's first page, as the check page lists them
SQL["bulk change (check)"] = """
        SELECT a.id, a.title, a.status, a.version, g.name, u.name
        FROM action a JOIN agency g ON g.id = a.lead_agency_id LEFT JOIN "user" u ON u.id = a.owner_id
        WHERE a.partnership_id = :p ORDER BY a.deadline, a.id LIMIT 25"""
#: a search of the partnership's actions, ranked, a page of 20 with the total: each engine's own full-text index
SQL["search"] = {
    "sqlite": """
        SELECT a.id, a.title, m.snip, (SELECT count(*) FROM search_action WHERE search_action MATCH :match)
        FROM (SELECT rowid AS id, snippet(search_action, 0, char(2), char(3), '…', 12) AS snip,
                     bm25(search_action, 4.0, 1.0, 1.0, 0.0) AS rank
              FROM search_action WHERE search_action MATCH :match ORDER BY rank LIMIT 20) m
        JOIN action a ON a.id = m.id ORDER BY m.rank""",
    "postgresql": """
        SELECT a.id, a.title, ts_headline('english', a.title, q), count(*) OVER ()
        FROM search_action s JOIN action a ON a.id = s.id,
             CAST(to_tsquery('english', :word) && CAST(:scope AS tsquery) AS tsquery) q
        WHERE s.document @@ q ORDER BY ts_rank(s.document, q) DESC, a.id LIMIT 20""",
}


def floor_view(slot):
    """The page's own bytes, served through every before- and after-request step, for the signed-in person."""
    assert current_user.is_authenticated
    body, mimetype = BODIES[slot]
    return Response(body, mimetype=mimetype)


def floor_times(client, body, mimetype, requests):
    BODIES[0] = (body, mimetype)
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get("/_bench/floor/0")
        assert response.get_data() == body
        times.append(time.perf_counter() - started)
    return times


def _calendar(rows):
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//bench//EN"]
    for kind, key, title, deadline, more in rows:
        day = str(deadline).replace("-", "")
        lines += ["BEGIN:VEVENT", f"UID:{kind}-{key}@bench", f"DTSTART;VALUE=DATE:{day}",
                  f"SUMMARY:{kind}: {title} ({more})", "END:VEVENT"]
    return "\r\n".join(lines + ["END:VCALENDAR", ""]).encode()


def measure(name, engine, person, marks, requests):
    """Median seconds of the hand-written statement (and of writing its rows, for a file), and its row count."""
    today = london_today()
    if person["partnership_id"] is None:  # the national register's and the bodies' pages
        parameters = dict(today=today, body=person["body_id"], item=person["item"])
    else:
        word = marks["searched"]
        parameters = dict(p=person["partnership_id"], u=person["user_id"], a=marks["action"], r=marks["review"],
                          word=word, match=f"{word} AND partnership:p{person['partnership_id']}",
                          scope=f"'#p{person['partnership_id']}'",
                          b=marks["benchmark"], today=today, soon=today + timedelta(days=28),
                          after=marks["deep_after"],
                          g=person["agency_id"] if person["who"] == "agency lead" else None,
                          watch=0 if person["who"] == "agency lead" else 1)
    sql = SQL[name][engine.dialect.name] if isinstance(SQL[name], dict) else SQL[name]
    statement = sa.text(sql)
    used = {k: v for k, v in parameters.items() if f":{k}" in sql}
    reading, writing = [], []
    with engine.connect() as connection:
        for _ in range(requests):
            started = time.perf_counter()
            rows = connection.execute(statement, used).all()
            reading.append(time.perf_counter() - started)
            if name == "calendar feed":
                started = time.perf_counter()
                _calendar(rows)
                writing.append(time.perf_counter() - started)
    result = dict(sql=statistics.median(reading), rows=len(rows))
    if writing:
        result["write"] = statistics.median(writing)
    return result
