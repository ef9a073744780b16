"""Guides through the mock: requests as the reference says, resets, XLIFF split and checked."""

import xml.etree.ElementTree as ET

import httpx

import polars as pl
import pytest

import pendo_lab
from pendo_lab import BatchError
from pendo_lab.resources.guides import XLIFF_NS, parse_xml, xliff_document

B64 = "x-pendo-base64-encoded-params"


def xliff(*files, version="1.2", namespace=True):
    """An XLIFF document with one <file> per (guide, language) pair."""
    units = "".join(
        f'<file original="{guide}" source-language="en" target-language="{language}" '
        f'datatype="html"><body><trans-unit id="{guide}-1"><source>Hi</source>'
        f'<target>Salut</target></trans-unit></body></file>'
        for guide, language in files)
    xmlns = f' xmlns="{XLIFF_NS}"' if namespace else ""
    return f'<?xml version="1.0"?><xliff version="{version}"{xmlns}>{units}</xliff>'


def files_of(text):
    root = ET.fromstring(text)
    return [(f.get("original"), f.get("target-language")) for f in root.iter(f"{{{XLIFF_NS}}}file")]


def test_list_get_and_get_many(client, mock, run):
    mock.reply(body=[{"id": "g1", "name": "Welcome", "lastUpdatedAt": 1700000000000}])
    frame = run(client.guides.list(expand=True))
    assert (mock.last.method, mock.last.url.path) == ("GET", "/api/v1/guide")
    assert dict(mock.last.url.params) == {"expand": "*"}
    assert frame["lastUpdatedAt"].dtype.time_zone == "UTC"
    mock.reply(body=[{"id": "g1"}])
    assert run(client.guides.get("g1")) == {"id": "g1"}
    assert dict(mock.last.url.params) == {"id": "g1"}
    mock.reply(body=[{"id": "g1"}, {"id": "g2"}])
    assert run(client.guides.get_many(["g1", "g2"])).height == 2
    assert mock.last.url.params["id"] == "g1,g2"


def test_history_is_a_frame(client, mock, run):
    mock.reply(body=[{"id": "g1", "lastUpdatedAt": 2}, {"id": "g1", "lastUpdatedAt": 1}])
    frame = run(client.guides.history("g1"))
    assert (mock.last.method, mock.last.url.path) == ("GET", "/api/v1/guide/g1/history")
    assert frame.height == 2


def test_reset_seen_for_one_visitor(client, mock, run):
    run(client.guides.reset_seen("g1", "v1"))
    assert (mock.last.method, mock.last.url.path) == ("POST", "/api/v1/guide/g1/visitor/v1/reset")
    assert B64 not in mock.last.headers
    run(client.guides.reset_seen("g1", "user@corp/eu"))
    assert mock.last.url.path == "/api/v1/guide/g1/visitor/b64_dXNlckBjb3JwL2V1/reset"
    assert mock.last.headers[B64] == "true"


def test_reset_all_seen_for_a_visitor(client, mock, run):
    run(client.guides.reset_all_seen("v1"))
    assert (mock.last.method, mock.last.url.path) == ("POST", "/api/v1/guide/all/visitor/v1/reset")


def test_reset_staged_one_and_all(client, mock, run):
    run(client.guides.reset_staged("g1"))
    assert (mock.last.method, mock.last.url.path) == ("POST", "/api/v1/guide/g1/reset")
    run(client.guides.reset_all_staged())
    assert (mock.last.method, mock.last.url.path) == ("POST", "/api/v1/guide/staged/reset")


def test_resets_are_retried_after_a_server_error(client, mock, run):
    mock.reply(503, {"message": "busy"}).reply(200, {})
    run(client.guides.reset_staged("g1"))
    assert len(mock.requests) == 2


@pytest.mark.parametrize("call", [
    lambda guides: guides.reset_staged("staged"),
    lambda guides: guides.reset_seen("all", "v1"),
    lambda guides: guides.history("localization"),
    lambda guides: guides.reset_seen("g1", ""),
])
def test_bulk_endpoint_words_and_blank_ids_are_refused(client, mock, run, call):
    with pytest.raises(pendo_lab.ValidationError):
        run(call(client.guides))
    assert mock.requests == []


def test_experiment_results_csv_as_frame(client, mock, run):
    mock.reply(content=b"variant,visitors,conversions\nA,10,3\nB,12,5\n")
    frame = run(client.guides.experiment_results("g1"))
    assert (mock.last.method, mock.last.url.path) == ("POST", "/api/v1/guide/g1/experiment/export")
    assert frame["conversions"].sum() == 8


def test_export_xliff_splits_15_per_call_and_maps_guides(client, mock, run):
    ids = [f"g{i}" for i in range(17)]
    mock.default = lambda request: httpx.Response(200, content=xliff(
        *[(g, "fr") for g in request.url.params["guideids"].split(",")]).encode())
    exported = run(client.guides.export_xliff(pl.Series(ids + ["g0"])))
    assert [r.url.params["guideids"].count(",") + 1 for r in mock.requests] == [15, 2]
    assert all(r.url.path == "/api/v1/guide/localization/export" for r in mock.requests)
    assert sorted(exported) == sorted(ids)
    assert files_of(exported["g16"]) == [("g16", "fr")]
    assert ET.fromstring(exported["g3"]).get("version") == "1.2"


def test_export_xliff_refuses_a_doctype_answer(client, mock, run):
    mock.reply(content=b'<!DOCTYPE x [<!ENTITY e "boom">]><xliff version="1.2">&e;</xliff>')
    with pytest.raises(pendo_lab.ValidationError, match="DOCTYPE or ENTITY"):
        run(client.guides.export_xliff(["g1"]))


def test_export_xliff_needs_ids(client, mock, run):
    with pytest.raises(pendo_lab.ValidationError, match="no guide ids"):
        run(client.guides.export_xliff([]))
    assert mock.requests == []


def test_import_xliff_splits_files_and_reports_per_guide(client, mock, run, tmp_path):
    first = xliff(*[(f"g{i}", "fr") for i in range(10)])
    second = tmp_path / "second.xlf"
    second.write_text(xliff(*[(f"g{i}", "de") for i in range(6)], namespace=False))
    mock.reply(200, {}).reply(207, ["g5: Target language is not enabled for the app"])
    outcome = run(client.guides.import_xliff([first, second]))
    assert len(mock.requests) == 2
    for request in mock.requests:
        assert (request.method, request.url.path) == ("POST", "/api/v1/guide/localization/import")
        assert request.headers["content-type"] == "application/xml; charset=UTF-8"
    sent = [files_of(r.content.decode()) for r in mock.requests]
    assert [len(files) for files in sent] == [15, 1]
    assert sent[1] == [("g5", "de")]
    assert ET.fromstring(mock.requests[0].content).get("version") == "1.2"
    assert outcome["failed"] == [{"guideId": "g5", "language": "de",
                                  "message": "Target language is not enabled for the app"}]
    assert [(f["guideId"], f["language"]) for f in outcome["imported"]] == sent[0]


@pytest.mark.parametrize("answer,unmatched", [
    (b"g1: guide id not found\nsomething else\n", "something else"),
    (b'["g1: guide id not found", "something else"]', "something else"),
    (b'{"g1": "guide id not found", "note": "something else"}', "note: something else"),
])
def test_import_207_answer_is_matched_to_guides(client, mock, run, answer, unmatched):
    mock.reply(207, content=answer)
    document = xliff(("g1", "fr"), ("g2", "fr"), ("g1", "de"), ("g10", "fr"))
    outcome = run(client.guides.import_xliff([document]))
    assert outcome == {
        "imported": [{"guideId": "g2", "language": "fr"}, {"guideId": "g10", "language": "fr"}],
        "failed": [{"guideId": "g1", "language": "fr", "message": "guide id not found"},
                   {"guideId": "g1", "language": "de", "message": "guide id not found"}],
        "messages": [unmatched],
    }


def test_import_failure_midway_keeps_the_pending_files(client, mock, run):
    mock.reply(200, {}).reply(400, {"message": "Improperly formatted XLIFF request"})
    document = xliff(*[(f"g{i}", "fr") for i in range(32)])
    with pytest.raises(BatchError, match="batch 2 of 3") as caught:
        run(client.guides.import_xliff([document]))
    assert len(caught.value.done["imported"]) == 15
    assert files_of(xliff_document(caught.value.failed)) == [(f"g{i}", "fr") for i in range(15, 30)]
    assert files_of(xliff_document(caught.value.unsent)) == [("g30", "fr"), ("g31", "fr")]


@pytest.mark.parametrize("document,message", [
    ('<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]>'
     '<xliff version="1.2">&b;</xliff>', "DOCTYPE or ENTITY"),
    (xliff(("g1", "fr"), version="2.0"), 'must be <xliff version="1.2">'),
    ('<xliff version="1.2"><file target-language="fr"/></xliff>', "no 'original' attribute"),
    ('<xliff version="1.2"><file original="g1"/></xliff>', "no 'target-language'"),
    (xliff(("g1", "fr"), ("g1", "fr")), "appears twice"),
    ('<xliff version="1.2"></xliff>', "no <file> element"),
    ("<xliff version='1.2'><file>", "not well-formed XML"),
    (b"\xff\xfe<\x00x\x00", "not UTF-8"),
    (42, "must be text, bytes or a pathlib.Path"),
])
def test_import_rejects_bad_xliff_before_sending(client, mock, run, document, message):
    with pytest.raises(pendo_lab.ValidationError, match=message):
        run(client.guides.import_xliff([document]))
    assert mock.requests == []


def test_parse_xml_refuses_entities_without_expanding_them():
    with pytest.raises(pendo_lab.ValidationError):
        parse_xml('<!ENTITY x SYSTEM "file:///etc/passwd"><a/>', "doc")
    assert parse_xml(b"\xef\xbb\xbf<a b='1'/>", "doc").get("b") == "1"
