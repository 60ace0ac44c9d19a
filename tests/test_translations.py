"""The service in Welsh as in English: every string the tracker shows goes through gettext, and the Welsh catalogue
has each of them, with the same placeholders and markup. Read from the sources themselves, so that a string added
tomorrow without its Welsh fails here."""
import ast
import re
from html.parser import HTMLParser

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from jinja2 import Environment

from tracker import ROOT

CATALOGUE = ROOT / "tracker" / "translations" / "cy" / "LC_MESSAGES" / "messages.po"
#: the gettext functions the Makefile's `messages` target extracts (pybabel's -k)
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "lazy_ngettext": (1, 2),
            "N_": None}
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%\{\w+\}")
TAG = re.compile(r"</?[a-z][^>]*>")
TEMPLATES = sorted(p for p in (ROOT / "templates").rglob("*") if p.suffix in (".html", ".txt"))
WORDS = re.compile(r"[^\W\d_]{2,}")
#: attributes whose values people read (or hear)
READ_ATTRIBUTES = {"alt", "title", "placeholder", "aria-label", "aria-roledescription", "aria-valuetext"}


def _extracted():
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(str(ROOT), method_map, options_map,
                                                                             keywords=KEYWORDS):
        found.setdefault(message, f"{filename}:{lineno}")
    return found


@pytest.fixture(scope="module")
def welsh():
    with CATALOGUE.open("rb") as po:
        return read_po(po)


def test_every_string_the_tracker_shows_has_its_welsh(welsh):
    extracted = _extracted()
    assert len(extracted) > 1000  # the extraction read the templates, not only the Python
    missing = [f"{where}: {message!r}" for message, where in extracted.items()
               if not _translated(welsh.get(message if isinstance(message, str) else message[0]))]
    assert not missing, f"{len(missing)} strings have no Welsh in {CATALOGUE.name}:\n" + "\n".join(missing[:50])


def _translated(entry):
    if entry is None or entry.fuzzy:
        return False
    forms = entry.string if isinstance(entry.string, tuple) else (entry.string,)
    return all(form.strip() for form in forms)


def test_the_welsh_keeps_every_placeholder_and_tag(welsh):
    wrong = []
    for entry in welsh:
        if not entry.id or not entry.string or entry.fuzzy:  # a fuzzy guess is not used, and fails the test above
            continue
        english = entry.id if isinstance(entry.id, str) else entry.id[1]
        forms = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        for number, form in enumerate(forms):
            # a plural's forms may leave the number out ("unwaith"); the first (for 0) may use only the singular's
            # placeholders, as pybabel compile checks it against the singular
            allowed = entry.id[0] if isinstance(entry.id, tuple) and number == 0 else english
            placeholders_kept = (set(PLACEHOLDER.findall(form)) <= set(PLACEHOLDER.findall(allowed))
                                 if isinstance(entry.id, tuple)
                                 else sorted(PLACEHOLDER.findall(form)) == sorted(PLACEHOLDER.findall(english)))
            if not placeholders_kept or sorted(TAG.findall(form)) != sorted(TAG.findall(english)):
                wrong.append(f"{english!r} -> {form!r}")
    assert not wrong, "\n".join(wrong)


def test_the_catalogue_has_welsh_plurals_for_every_number(welsh):
    """Welsh has six plural forms (0, 1, 2, 3, 6, and the rest): a catalogue with fewer would show English."""
    assert welsh.num_plurals == 6
    assert all(len(entry.string) == 6 for entry in welsh if isinstance(entry.id, tuple))


class _Text(HTMLParser):
    """The words of a template's own markup that a person reads: text and read attributes, outside scripts."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.words, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style")
        self.words += [value for name, value in attrs if name in READ_ATTRIBUTES and value]

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style")

    def handle_data(self, data):
        if not self._skip:
            self.words.append(data)


def _own_text(path):
    """What the template itself says, with every Jinja expression, statement and comment taken out (a gettext
    call is an expression): the literal text around them is what would reach the reader untranslated."""
    source = path.read_text()
    environment = Environment(extensions=["jinja2.ext.do", "jinja2.ext.i18n"])
    pieces = [" \x00 " if kind != "data" else value for _line, kind, value in _data_tokens(environment, source)]
    literal = "".join(pieces)
    if path.suffix == ".txt":
        return [literal]
    parser = _Text()
    parser.feed(literal)
    parser.close()
    return parser.words


def _data_tokens(environment, source):
    """The template's tokens, with a whole {{ … }}, {% … %} or {# … #} as one non-data token."""
    inside = None
    for line, kind, value in environment.lex(source):
        if kind == "data" and inside is None:
            yield line, kind, value
        elif kind in ("variable_begin", "block_begin", "comment_begin"):
            inside = kind
        elif kind in ("variable_end", "block_end", "comment_end"):
            inside = None
            yield line, kind, ""


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT / "templates")))
def test_no_template_shows_words_outside_gettext(path):
    untranslated = [piece.strip() for piece in _own_text(path) if WORDS.search(piece.replace("\x00", ""))]
    assert not untranslated, f"{path.name} shows words not passed through _(): {untranslated}"


def _literal_strings(path):
    """String constants in a template's expressions that are shown as text: the values of a GOV.UK macro's
    text-like parameters, and words given to a macro, a set or a filter outside a gettext call."""
    environment = Environment(extensions=["jinja2.ext.do", "jinja2.ext.i18n"])
    from jinja2 import nodes

    tree = environment.parse(path.read_text())
    inside_gettext = {id(const) for call in tree.find_all(nodes.Call)
                      if isinstance(call.node, nodes.Name) and call.node.name in ("_", "gettext", "ngettext")
                      for const in call.find_all(nodes.Const)}
    for const in tree.find_all(nodes.Const):
        value = const.value
        if (isinstance(value, str) and id(const) not in inside_gettext
                and re.search(r"(^|\s)[A-Z][a-z]+|[a-z]{2,}\s+[a-z]{2,}", value)
                and not re.fullmatch(r"[a-z0-9_\- .:#/%=!]*|([A-Z][a-z]+){2,}", value)):  # classes, field types
            yield value


@pytest.mark.parametrize("path", [p for p in TEMPLATES if p.suffix == ".html"],
                         ids=lambda p: str(p.relative_to(ROOT / "templates")))
def test_no_template_passes_words_to_a_macro_outside_gettext(path):
    assert not list(_literal_strings(path))


def test_a_template_that_does_not_parse_fails_the_extraction(tmp_path):
    """pybabel skips a template it cannot parse in silence unless told otherwise: babel.cfg tells it."""
    broken = tmp_path / "templates"
    broken.mkdir()
    (broken / "broken.html").write_text("{% if %}{{ _('Lost') }}")
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    with pytest.raises(Exception, match="Expected an expression"):
        list(extract_from_dir(str(tmp_path), method_map, options_map, keywords=KEYWORDS))


def _shown(node):
    """A literal (or f-string) of words, not passed through gettext."""
    if isinstance(node, ast.JoinedStr):
        return True
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and bool(WORDS.search(node.value))


def _named(node):
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""


def _words_told_to_people(tree):
    """Where Python hands words to a person: a flashed message, a form field's label, description or message, a
    refusal (ValidationFailed / ValidationError, an errors or problems entry), an email's subject."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _named(node.func)
            told = []
            if name == "flash" or name.endswith("Field") or name in ("ValidationFailed", "ValidationError"):
                told += node.args[:1]
            if name in ("ValidationFailed",) and node.args and isinstance(node.args[0], ast.Dict):
                told += node.args[0].values
            if name == "append" and re.search("error|problem", _named(node.func.value)):
                told += node.args
            told += [k.value for k in node.keywords if k.arg in ("label", "description", "message", "subject")]
            yield from (t for t in told if _shown(t))
        elif isinstance(node, ast.Assign) and _shown(node.value):
            yield from (node.value for target in node.targets
                        if isinstance(target, ast.Subscript) and re.search("error|problem", _named(target.value)))


@pytest.mark.parametrize("path", sorted((ROOT / "tracker").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_python_tells_people_words_outside_gettext(path):
    untranslated = [f"line {node.lineno}: {ast.unparse(node)[:80]}" for node in _words_told_to_people(
        ast.parse(path.read_text()))]
    assert not untranslated, "\n".join(untranslated)
