"""Reports through the mock: the list and results as JSON or CSV, as frames."""

import pytest

import pendo_lab


def test_list_reports(client, mock, run):
    mock.reply(body=[{"id": "r1", "name": "Active visitors", "kind": "Report", "shared": True,
                      "createdAt": 1700000000000, "definition": {"generator": "visitorList"}}])
    frame = run(client.reports.list())
    assert (mock.last.method, mock.last.url.path) == ("GET", "/api/v1/report")
    assert frame["name"].to_list() == ["Active visitors"]
    assert frame["createdAt"].dtype.time_zone == "UTC"
    assert frame["definition"].struct.field("generator").to_list() == ["visitorList"]


def test_results_as_json(client, mock, run):
    mock.reply(body=[{"visitorId": "v1", "metadata": {"auto": {"lastvisit": 1700000000000}}},
                     {"visitorId": "v2", "metadata": {"auto": {"lastvisit": None}}}])
    frame = run(client.reports.results("r1"))
    assert mock.last.url.path == "/api/v1/report/r1/results.json"
    assert frame["visitorId"].to_list() == ["v1", "v2"]
    lastvisit = frame["metadata"].struct.field("auto").struct.field("lastvisit")
    assert lastvisit.dtype.time_zone == "UTC"


def test_results_as_csv(client, mock, run):
    mock.reply(content=b"Visitor ID,Days active\nv1,3\nv2,5\n")
    frame = run(client.reports.results("r1", format="csv"))
    assert mock.last.url.path == "/api/v1/report/r1/results.csv"
    assert frame.columns == ["Visitor ID", "Days active"]
    assert frame["Days active"].to_list() == [3, 5]


def test_results_in_pandas(client, mock, run):
    mock.reply(content=b"a,b\n1,x\n")
    frame = run(client.reports.results("r1", format="csv", frame="pandas"))
    assert type(frame).__module__.startswith("pandas")
    assert frame["b"].tolist() == ["x"]


def test_report_ids_are_url_encoded(client, mock, run):
    run(client.reports.results("a/b"))
    assert mock.last.url.raw_path == b"/api/v1/report/a%2Fb/results.json"


def test_funnel_report_contents_are_not_found(client, mock, run):
    mock.reply(404, {"message": "The report in question was not found."})
    with pytest.raises(pendo_lab.NotFoundError, match="not found"):
        run(client.reports.results("funnel-1"))


@pytest.mark.parametrize("kwargs,message", [
    ({"report_id": "r1", "format": "xlsx"}, "use 'json' or 'csv'"),
    ({"report_id": ""}, "empty id"),
    ({"report_id": "r1", "frame": "arrow"}, "frame='arrow'"),
])
def test_bad_arguments_are_rejected_before_sending(client, mock, run, kwargs, message):
    with pytest.raises(pendo_lab.ValidationError, match=message):
        run(client.reports.results(**kwargs))
    assert mock.requests == []
