"""REST v2 on the emulator: wiki-markup rich text over one stored ADF document, the removed
`/search`, and v2 writes seen by webhooks and v3 readers."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st

from devstack.jira_emulator import JiraEmulator, adf, wiki
from tests.fixtures.emulator import emulator_session

SVC = ("svc@example.com", "svc-token")
REMOVED = (
    "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
    "A full migration guideline is available at "
    "https://developer.atlassian.com/changelog/#CHANGE-2046"
)


def text(value: str, *marks: str, href: str | None = None) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "text", "text": value}
    applied: list[dict[str, Any]] = [{"type": m} for m in marks]
    if href is not None:
        applied.append({"type": "link", "attrs": {"href": href}})
    if applied:
        node["marks"] = applied
    return node


def doc(*blocks: dict[str, Any]) -> dict[str, Any]:
    return {"type": "doc", "version": 1, "content": list(blocks)}


def para(*inline: dict[str, Any]) -> dict[str, Any]:
    return {"type": "paragraph", "content": list(inline)}


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_any_v2_string_reads_back_exactly_and_is_valid_adf(value: str) -> None:
    stored = wiki.to_adf(value)
    assert adf.problem(stored) is None, stored
    assert wiki.from_adf(stored) == value


def test_lines_become_hard_breaks_and_blank_lines_paragraphs() -> None:
    assert wiki.to_adf("a\nb\n\nc") == doc(
        para(text("a"), {"type": "hardBreak"}, text("b")), para(text("c"))
    )


@pytest.mark.parametrize(
    ("document", "markup"),
    [
        (doc(para(text("bold", "strong"), text(" and "), text("it", "em"))), "*bold* and _it_"),
        (doc(para(text("x()", "code"))), "{{x()}}"),
        (doc(para(text("advisory", href="https://e.com/a"))), "[advisory|https://e.com/a]"),
        (doc(para(text("https://e.com", href="https://e.com"))), "[https://e.com]"),
        (
            doc(
                {"type": "heading", "attrs": {"level": 3}, "content": [text("T")]}, para(text("p"))
            ),
            "h3. T\n\np",
        ),
        (
            doc(
                {
                    "type": "bulletList",
                    "content": [
                        {
                            "type": "listItem",
                            "content": [
                                para(text("one")),
                                {
                                    "type": "orderedList",
                                    "content": [{"type": "listItem", "content": [para(text("a"))]}],
                                },
                            ],
                        },
                        {"type": "listItem", "content": [para(text("two"))]},
                    ],
                }
            ),
            "* one\n*# a\n* two",
        ),
        (
            doc({"type": "codeBlock", "attrs": {"language": "sql"}, "content": [text("SELECT 1")]}),
            "{code:sql}\nSELECT 1\n{code}",
        ),
        (doc({"type": "rule"}), "----"),
        (
            doc(
                {
                    "type": "table",
                    "content": [
                        {
                            "type": "tableRow",
                            "content": [{"type": "tableHeader", "content": [para(text("h"))]}],
                        },
                        {
                            "type": "tableRow",
                            "content": [{"type": "tableCell", "content": [para(text("c"))]}],
                        },
                    ],
                }
            ),
            "||h||\n|c|",
        ),
    ],
    ids=["marks", "code", "link", "bare-link", "heading", "lists", "code-block", "rule", "table"],
)
def test_v3_documents_render_as_wiki_markup(document: dict[str, Any], markup: str) -> None:
    assert wiki.from_adf(document) == markup


def api(jira: JiraEmulator, method: str, path: str, **kwargs: Any) -> requests.Response:
    return emulator_session(*SVC).request(method, f"{jira.base_url}{path}", timeout=5, **kwargs)


@pytest.mark.parametrize("version", ["2", "3", "latest"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_the_old_search_answers_410_as_jira_cloud_does_since_its_removal(
    jira: JiraEmulator, version: str, method: str
) -> None:
    payload = {"params": {"jql": "project = SEC"}} if method == "GET" else {"json": {"jql": "x"}}
    response = api(jira, method, f"/rest/api/{version}/search", **payload)
    assert response.status_code == 410
    assert response.json() == {"errorMessages": [REMOVED], "errors": {}}


def test_a_v2_write_reaches_webhooks_as_the_same_wiki_string(jira: JiraEmulator) -> None:
    admin = emulator_session("admin@example.com", "admin-token")
    # A webhook to a closed port: the delivery attempt records the payload either way.
    admin.post(
        f"{jira.base_url}/rest/webhooks/1.0/webhook",
        json={"name": "w", "url": "http://127.0.0.1:9/hook", "events": ["jira:issue_created"]},
        timeout=5,
    ).raise_for_status()
    markup = "*Critical*\nsee {{/login}}"
    fields = {
        "project": {"key": "SEC"},
        "issuetype": {"name": "Task"},
        "summary": "v2",
        "description": markup,
    }
    assert api(jira, "POST", "/rest/api/2/issue", json={"fields": fields}).status_code == 201
    deadline = time.monotonic() + 5
    deliveries: list[dict[str, Any]] = []
    while not deliveries and time.monotonic() < deadline:
        time.sleep(0.05)
        deliveries = requests.get(
            f"{jira.base_url}/_emulator/webhooks/deliveries", timeout=5
        ).json()
    assert deliveries, "no delivery attempt within 5 s"
    payload = json.loads(deliveries[0]["body"])
    assert payload["issue"]["fields"]["description"] == markup


def test_v2_and_v3_comments_on_one_issue_read_in_both_versions(jira: JiraEmulator) -> None:
    fields = {"project": {"key": "SEC"}, "issuetype": {"name": "Task"}, "summary": "both"}
    key = api(jira, "POST", "/rest/api/3/issue", json={"fields": fields}).json()["key"]
    api(jira, "POST", f"/rest/api/2/issue/{key}/comment", json={"body": "from *v2*"})
    api(jira, "POST", f"/rest/api/3/issue/{key}/comment", json={"body": doc(para(text("v3")))})
    v2 = api(jira, "GET", f"/rest/api/2/issue/{key}/comment").json()["comments"]
    v3 = api(jira, "GET", f"/rest/api/3/issue/{key}/comment").json()["comments"]
    assert [c["body"] for c in v2] == ["from *v2*", "v3"]
    assert [c["body"] for c in v3] == [doc(para(text("from *v2*"))), doc(para(text("v3")))]
