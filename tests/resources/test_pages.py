"""Pages, features and track types, through the mock: requests as the reference says."""

import pytest

import pendo_lab

OBJECTS = [("pages", "/api/v1/page"), ("features", "/api/v1/feature"),
           ("track_types", "/api/v1/tracktype")]


@pytest.mark.parametrize("name,path", OBJECTS)
def test_list_sends_expand_and_app_id(client, mock, run, name, path):
    mock.reply(body=[{"id": "a", "name": "A", "appId": -323232, "createdAt": 1700000000000}])
    frame = run(getattr(client, name).list(expand=True, app_id=-323232))
    assert mock.last.method == "GET"
    assert mock.last.url.path == path
    assert dict(mock.last.url.params) == {"expand": "*", "appId": "-323232"}
    assert frame["id"].to_list() == ["a"]
    assert frame["createdAt"].dtype.time_zone == "UTC"


@pytest.mark.parametrize("name,path", OBJECTS)
def test_get_one_and_many(client, mock, run, name, path):
    resource = getattr(client, name)
    mock.reply(body=[{"id": "a"}])
    assert run(resource.get("a")) == {"id": "a"}
    assert dict(mock.last.url.params) == {"id": "a"}
    mock.reply(body=[{"id": "a"}, {"id": "b"}])
    assert run(resource.get_many(["a", "b"])).height == 2
    assert mock.last.url.params["id"] == "a,b"


def test_get_unknown_id_is_not_found(client, mock, run):
    mock.reply(body=[])
    with pytest.raises(pendo_lab.NotFoundError, match="no page with id 'zz'"):
        run(client.pages.get("zz"))


def test_get_many_rejects_empty_before_sending(client, mock, run):
    with pytest.raises(pendo_lab.ValidationError, match="no feature ids given"):
        run(client.features.get_many([]))
    assert mock.requests == []


def test_pandas_on_request(client, mock, run):
    mock.reply(body=[{"id": "a"}])
    frame = run(client.pages.list(frame="pandas"))
    assert type(frame).__module__.startswith("pandas")
