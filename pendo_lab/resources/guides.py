"""Guides: list and get, change history, seen/staged resets, experiment results, XLIFF.

XLIFF export and import take at most 15 guides (files) per call; both are split and merged.
XLIFF is parsed with :mod:`xml.etree.ElementTree` only after documents declaring a DOCTYPE or
an ENTITY are refused, so no entity expansion or external fetch can happen.

Each XLIFF ``<file>`` element is one guide in one target language; the guide id is read from
its ``original`` attribute (:data:`GUIDE_ID_ATTRIBUTE`; INFERRED: the reference says only that
each guide is "contained in a file tag").

Example:
    >>> from pendo_lab import Pendo
    >>> client = Pendo.sandbox()
    >>> guides = client.guides.list()
    >>> {"id", "name", "state"} <= set(guides.columns)
    True
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .._exceptions import PendoError, ValidationError
from .._http import Call, segment
from ._base import id_list, id_path, one_id, send_batches
from .pages import TaggedObjects

PATH = "/api/v1/guide"
XLIFF_GUIDES = 15
XLIFF_NS = "urn:oasis:names:tc:xliff:document:1.2"
GUIDE_ID_ATTRIBUTE = "original"
#: Words that are paths of their own under /api/v1/guide, never guide ids.
RESERVED_IDS = frozenset({"all", "staged", "localization"})
_DECLARATION = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


class Guides(TaggedObjects):
    """``client.guides``: guides (``/api/v1/guide``); ``list``/``get``/``get_many`` as pages.

    Example:
        >>> sorted(client.guides.list()["state"].unique())
        ['draft', 'public']
    """

    _path = PATH
    _kind = "guide"

    def history(self, guide_id: str, *, frame: str | None = None) -> Any:
        """Every version of a guide, newest first, as a frame.

        Example:
            >>> guides = client.guides.list()
            >>> first = guides["id"][0]
            >>> client.guides.history(first)["id"].unique().to_list() == [first]
            True
        """
        return self._run(Call("GET", f"{_guide_path(guide_id)}/history",
                              parse=self._json_frame(frame)))

    def reset_seen(self, guide_id: str, visitor_id: str) -> Any:
        """Forget that a visitor saw a guide, so it can show again.

        Example:
            >>> guides = client.guides.list()
            >>> client.guides.reset_seen(guides["id"][0], "visitor-1")
        """
        visitor, headers = id_path(visitor_id, "visitor ids")
        return self._run(_reset(f"{_guide_path(guide_id)}/visitor/{visitor}/reset", headers))

    def reset_all_seen(self, visitor_id: str) -> Any:
        """Forget every guide a visitor saw.

        Example:
            >>> client.guides.reset_all_seen("visitor-1")
        """
        visitor, headers = id_path(visitor_id, "visitor ids")
        return self._run(_reset(f"{PATH}/all/visitor/{visitor}/reset", headers))

    def reset_staged(self, guide_id: str) -> Any:
        """Reset a staged guide: all its views and poll answers are deleted (400 if not staged).

        Example:
            >>> guides = client.guides.list()
            >>> public = guides.filter(guides["state"] == "public")["id"][0]
            >>> client.guides.reset_staged(public)  # doctest: +ELLIPSIS
            Traceback (most recent call last):
            ...
            pendo_lab._exceptions.BadRequestError: ... is public, not staged
        """
        return self._run(_reset(f"{_guide_path(guide_id)}/reset"))

    def reset_all_staged(self) -> Any:
        """Reset every staged guide: all their views and poll answers are deleted.

        Example:
            >>> client.guides.reset_all_staged()
        """
        return self._run(_reset(f"{PATH}/staged/reset"))

    def experiment_results(self, guide_id: str, *, frame: str | None = None) -> Any:
        """A guide's experiment results (Pendo answers CSV) as a frame.

        Example:
            >>> guides = client.guides.list()
            >>> tour = guides.filter(guides["name"] == "Welcome tour")["id"][0]
            >>> client.guides.experiment_results(tour)["group"].to_list()
            ['guide', 'control']
        """
        return self._run(Call("POST", f"{_guide_path(guide_id)}/experiment/export",
                              idempotent=True, parse=self._csv_frame(frame)))

    def export_xliff(self, guide_ids: Any) -> dict[str, str]:
        """XLIFF 1.2 for each guide (ids in a list or Series): ``{guideId: xliff_text}``.

        Guides go 15 per call; the answers are merged.

        Each text is a whole ``<xliff>`` document holding that guide's ``<file>`` element(s),
        ready to translate and pass to :meth:`import_xliff`.

        Example:
            >>> guides = client.guides.list()
            >>> xliff = client.guides.export_xliff([guides["id"][0]])
            >>> xliff[guides["id"][0]].startswith("<?xml")
            True
        """
        ids = list(dict.fromkeys(id_list(guide_ids, "guide ids")))

        def send(part):
            return (yield Call("GET", f"{PATH}/localization/export",
                               params={"guideids": ",".join(part)}, parse=_split_export))

        return self._run(send_batches(ids, XLIFF_GUIDES, send, "XLIFF export"))

    def import_xliff(self, documents: Iterable[str | bytes | Path]) -> dict:
        """Import translated XLIFF 1.2 (texts, bytes or file paths), 15 files per call.

        Every ``<file>`` is checked before anything is sent: version 1.2, a guide id, a
        ``target-language``, no guide/language pair twice. The merged outcome lists files:
        ``{"imported": [{"guideId", "language"}], "failed": [{"guideId", "language",
        "message"}], "messages": [...]}``. ``failed`` comes from Pendo's 207 Multi-Status
        answers, which name only the guide, so every file of that guide in the call is marked;
        ``messages`` holds any text Pendo sent that names no guide of the call.

        If a later call fails, :class:`~pendo_lab.BatchError` ``.failed`` and ``.unsent`` hold
        ``<file>`` elements: ``xliff_document(err.unsent)`` is a document to send again.

        Example:
            >>> guides = client.guides.list()
            >>> first = guides["id"][0]
            >>> client.guides.import_xliff([client.guides.export_xliff([first])[first]])["failed"]
            []
        """
        files = _import_files(documents)

        def send(part):
            pairs = [(_file_guide(f), _file_language(f)) for f in part]
            return (yield Call("POST", f"{PATH}/localization/import",
                               content=xliff_document(part).encode(),
                               headers={"content-type": "application/xml; charset=UTF-8"},
                               parse=lambda response: _import_outcome(response, pairs)))

        return self._run(send_batches(files, XLIFF_GUIDES, send, "XLIFF import"))


def _guide_path(guide_id: str) -> str:
    one = one_id(guide_id, "guide ids")
    if one in RESERVED_IDS:
        raise ValidationError(f"{one!r} is not a guide id (it names a bulk endpoint): pass the "
                              f"id of one guide, or use reset_all_seen/reset_all_staged")
    return f"{PATH}/{segment(one)}"


def _reset(path: str, headers: dict[str, str] | None = None) -> Call:
    # Resetting twice leaves the same state as resetting once, so retries are safe.
    return Call("POST", path, headers=headers or {}, idempotent=True)


def parse_xml(data: str | bytes, what: str) -> ET.Element:
    """An XML document's root, refusing DOCTYPE/ENTITY declarations (no entity expansion).

    Example:
        >>> parse_xml('<xliff version="1.2"/>', "doc").get("version")
        '1.2'
        >>> parse_xml('<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', "doc")
        Traceback (most recent call last):
        ...
        pendo_lab._exceptions.ValidationError: doc declares a DOCTYPE or ENTITY, which is refused for safety: remove the declaration
    """
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError(f"{what} is not UTF-8 text: save it as UTF-8") from None
    if _DECLARATION.search(data):
        raise ValidationError(f"{what} declares a DOCTYPE or ENTITY, which is refused for "
                              f"safety: remove the declaration")
    try:
        return ET.fromstring(data.strip())
    except ET.ParseError as exc:
        raise ValidationError(f"{what} is not well-formed XML: {exc}") from None


def local_name(tag: str) -> str:
    """An XML tag without its ``{namespace}`` prefix.

    Example:
        >>> local_name("{urn:oasis:names:tc:xliff:document:1.2}file"), local_name("file")
        ('file', 'file')
    """
    return tag.rsplit("}", 1)[-1]


def xliff_files(root: ET.Element) -> list[ET.Element]:
    """The ``<file>`` elements of a parsed document, XLIFF-namespace tags made local.

    Example:
        >>> root = parse_xml(xliff_document([ET.Element("file", {"original": "g1"})]), "doc")
        >>> [file.get("original") for file in xliff_files(root)]
        ['g1']
    """
    for element in root.iter():
        element.tag = element.tag.removeprefix(f"{{{XLIFF_NS}}}")
    return [element for element in root.iter() if local_name(element.tag) == "file"]


def _file_guide(file: ET.Element) -> str:
    return (file.get(GUIDE_ID_ATTRIBUTE) or "").strip()


def _file_language(file: ET.Element) -> str:
    return (file.get("target-language") or "").strip()


def xliff_document(files: Sequence[ET.Element]) -> str:
    """An XLIFF 1.2 document holding ``files`` (``<file>`` elements).

    Example:
        >>> file = ET.fromstring('<file original="g1" target-language="fr"/>')
        >>> print(xliff_document([file]))
        <?xml version="1.0" encoding="UTF-8"?>
        <xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2"><file original="g1" target-language="fr" /></xliff>
    """
    root = ET.Element("xliff", {"version": "1.2", "xmlns": XLIFF_NS})
    root.extend(files)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def _split_export(response) -> dict[str, str]:
    """An export answer as ``{guideId: xliff_text}``."""
    by_guide: dict[str, list[ET.Element]] = {}
    for file in xliff_files(parse_xml(response.content, "the XLIFF export answer")):
        guide = _file_guide(file)
        if not guide:
            raise PendoError(f"the XLIFF export answer has a <file> without a "
                             f"{GUIDE_ID_ATTRIBUTE!r} attribute: cannot tell its guide")
        by_guide.setdefault(guide, []).append(file)
    return {guide: xliff_document(files) for guide, files in by_guide.items()}


def _read(document: str | bytes | Path) -> str | bytes:
    if isinstance(document, Path):
        return document.read_bytes()
    if isinstance(document, (str, bytes)):
        return document
    raise ValidationError(f"an XLIFF document must be text, bytes or a pathlib.Path, "
                          f"not {type(document).__name__}")


def _import_files(documents: Iterable[str | bytes | Path]) -> list[ET.Element]:
    """Every ``<file>`` of the documents, validated; ValidationError naming the bad one."""
    if isinstance(documents, (str, bytes, Path)):
        documents = [documents]
    files, seen = [], set()
    for number, document in enumerate(documents, 1):
        what = f"XLIFF document {number}"
        root = parse_xml(_read(document), what)
        if local_name(root.tag) != "xliff" or root.get("version") != "1.2":
            raise ValidationError(f"{what} must be <xliff version=\"1.2\">, got "
                                  f"<{local_name(root.tag)} version={root.get('version')!r}>")
        document_files = xliff_files(root)
        if not document_files:
            raise ValidationError(f"{what} has no <file> element: export the guide first")
        for index, file in enumerate(document_files, 1):
            guide, language = _file_guide(file), _file_language(file)
            where = f"{what}, <file> {index}"
            if not guide:
                raise ValidationError(f"{where} has no {GUIDE_ID_ATTRIBUTE!r} attribute: it must "
                                      f"hold the guide id, as export_xliff writes it")
            if not language:
                raise ValidationError(f"{where} (guide {guide}) has no 'target-language': set "
                                      f"the language it translates to")
            if (guide, language) in seen:
                raise ValidationError(f"{where}: guide {guide} in {language!r} appears twice; "
                                      f"keep one translation per guide and language")
            seen.add((guide, language))
            files.append(file)
    if not files:
        raise ValidationError("no XLIFF documents given: pass a list of XLIFF texts or paths")
    return files


def _import_outcome(response, pairs: list[tuple[str, str]]) -> dict:
    """One import call's outcome per file; 207 messages ``"guideId: text"`` mark that guide."""
    failures: dict[str, str] = {}
    messages: list[str] = []
    guides = {guide for guide, _ in pairs}
    if response.status_code == 207:
        for line in _texts(response):
            guide, _, message = line.partition(":")
            if guide.strip() in guides:
                failures[guide.strip()] = message.strip()
            else:
                messages.append(line)
    return {
        "imported": [{"guideId": g, "language": lang} for g, lang in pairs if g not in failures],
        "failed": [{"guideId": g, "language": lang, "message": failures[g]}
                   for g, lang in pairs if g in failures],
        "messages": messages,
    }


def _texts(response) -> list[str]:
    """The non-empty lines of a text answer, or every string inside a JSON answer."""
    try:
        body = response.json()
    except ValueError:
        return [line.strip() for line in response.text.splitlines() if line.strip()]
    found: list[str] = []

    def walk(value):
        if isinstance(value, str):
            found.append(value.strip())
        elif isinstance(value, dict):
            for key, item in value.items():
                # {"guideId": "message"} maps keep the id next to its message.
                walk(f"{key}: {item}" if isinstance(item, str) else item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(body)
    return [text for text in found if text]
