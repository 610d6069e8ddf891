"""/docs in a real headless Chromium: siemd's own renderer of /openapi.json (no third-party code)."""

import json
import time
import uuid

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from conftest import ARTIFACTS
from siemd_server import Siemd

METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}

# Installed before any page script runs: records CSP violations and every fetch the page makes.
RECORDER = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
window.__fetches = [];
const originalFetch = window.fetch;
window.fetch = function (input, init) {
  const headers = new Headers((init && init.headers) || {});
  window.__fetches.push({url: String(input), key: headers.get('x-api-key')});
  return originalFetch.apply(this, arguments);
};
"""


def wait(driver, timeout=15):
    return WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException,))


@pytest.fixture
def docs(page, siemd):
    """The browser on /docs once the operations are rendered, with the recorder installed."""
    script = page.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORDER})
    yield page
    page.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": script["identifier"]})


def click(driver, element):
    """Clicks an element once scrolled to the middle of the window (clear of the sticky header)."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def open_docs(driver, base_url, fragment=""):
    driver.get("about:blank")  # /docs#a after /docs#b would only move within the old page
    driver.get(f"{base_url}/docs{fragment}")
    wait(driver).until(lambda d: d.execute_script("return document.documentElement.dataset.docsReady") == "true")


def documented_operations(siemd):
    status, document = siemd.request("GET", "/openapi.json")
    assert status == 200
    return {op["operationId"]: (method.upper(), path, op)
            for path, item in document["paths"].items() for method, op in item.items() if method in METHODS}


def visible_operation_ids(driver):
    return driver.execute_script(
        "return [...document.querySelectorAll('details.op')].filter((e) => !e.hidden).map((e) => e.id)")


def severe_console_entries(driver):
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def assert_same_origin_only(driver, base_url):
    origin = driver.execute_script("return location.origin")
    assert origin == base_url
    resources = driver.execute_script(
        "return performance.getEntriesByType('resource').concat(performance.getEntriesByType('navigation'))"
        ".map((entry) => entry.name)")
    assert any(name.endswith("/openapi.json") for name in resources), resources
    assert any(name.endswith("/assets/docs.js") for name in resources), resources
    foreign = [name for name in resources if not name.startswith(origin + "/")]
    assert foreign == [], f"requests to another origin: {foreign}"
    referenced = driver.execute_script(
        "return [...document.querySelectorAll('script[src], link[href], img[src], iframe, object, embed')]"
        ".map((element) => element.src || element.href || element.tagName)")
    assert all(str(url).startswith(origin + "/") for url in referenced), referenced
    assert driver.execute_script("return window.__violations") == []
    fetched = [entry["url"] for entry in driver.execute_script("return window.__fetches")]
    assert all(url.startswith("/") and not url.startswith("//") for url in fetched), fetched


def test_docs_lists_every_operation_with_its_details(docs, siemd):
    operations = documented_operations(siemd)
    open_docs(docs, siemd.base_url)
    rendered = docs.execute_script("return [...document.querySelectorAll('details.op')].map((e) => e.id)")
    assert sorted(rendered) == sorted(operations)
    for operation_id, (method, path, operation) in operations.items():
        summary = docs.find_element(By.CSS_SELECTOR, f"details.op[id='{operation_id}'] > summary")
        assert summary.find_element(By.CSS_SELECTOR, ".method").text == method
        assert summary.find_element(By.CSS_SELECTOR, ".path").text == path
        assert summary.find_element(By.CSS_SELECTOR, ".op-summary").get_attribute("textContent") == operation["summary"]
    intro = docs.find_element(By.CSS_SELECTOR, "section.intro").text
    assert "swift-siem" in intro and "v0.1.0" in intro and "OpenAPI 3.1.0" in intro
    assert "x-api-key" in intro
    # Tags are sections; the table of contents links every operation.
    tags = [element.text.lower() for element in docs.find_elements(By.CSS_SELECTOR, "section.tag[data-tag] > h2")]
    assert tags[:3] == ["events", "alerts", "health"], tags
    assert len(docs.find_elements(By.CSS_SELECTOR, "#page-toc li a")) == len(operations)
    assert docs.find_element(By.ID, "page-count").text == f"{len(operations)} operations"

    # GET /events: its parameters, resolved from #/components/parameters.
    events = docs.find_element(By.ID, "listEvents")
    click(docs, events.find_element(By.TAG_NAME, "summary"))
    wait(docs).until(lambda d: events.get_attribute("open") is not None)
    limit = events.find_element(By.CSS_SELECTOR, "table.params tr[data-param='limit']")
    cells = [cell.text for cell in limit.find_elements(By.TAG_NAME, "td")]
    assert cells[0] == "limit" and cells[1] == "query", cells
    assert "integer" in cells[2] and "default 100" in cells[2] and "1 ≤ value ≤ 1000" in cells[2], cells
    assert cells[3] == "page size", cells
    names = [row.get_attribute("data-param") for row in events.find_elements(By.CSS_SELECTOR, "table.params tbody tr")]
    _, _, list_events = operations["listEvents"]
    components = siemd.request("GET", "/openapi.json")[1]["components"]["parameters"]
    expected = [components[p["$ref"].split("/")[-1]]["name"] if "$ref" in p else p["name"]
                for p in list_events["parameters"]]
    assert names == expected and {"limit", "cursor", "q"} <= set(names), names
    ok = events.find_element(By.CSS_SELECTOR, "details.response[data-status='200']")
    assert ok.get_attribute("open") is not None
    assert "EventPage" in ok.text and "next_cursor" in ok.text and "array of Event" in ok.text, ok.text
    statuses = [element.get_attribute("data-status")
                for element in events.find_elements(By.CSS_SELECTOR, "details.response")]
    assert statuses == sorted(statuses) and "401" in statuses and "429" in statuses, statuses
    unauthorized = events.find_element(By.CSS_SELECTOR, "details.response[data-status='401']")
    assert unauthorized.get_attribute("open") is None and "Authentication required" in unauthorized.text

    # POST /ingest: both content types and the EventInput fields, with required markers.
    ingest = docs.find_element(By.ID, "ingest")
    click(docs, ingest.find_element(By.TAG_NAME, "summary"))
    body = ingest.find_element(By.CSS_SELECTOR, ".request-body")
    assert "required" in body.text
    assert [element.text for element in body.find_elements(By.CSS_SELECTOR, ".media-type")] == [
        "application/json", "application/x-ndjson"]
    assert "EventInput | array of EventInput" in body.text, body.text
    message = body.find_element(By.XPATH, ".//li[div[@class='field']/code[@class='name' and .='message']]")
    assert "string" in message.text and "required" in message.text
    source = body.find_element(By.XPATH, ".//li[div[@class='field']/code[@class='name' and .='source']]")
    assert "required" not in source.text and "syslog, file, edr, api" in source.text
    assert "one event object per line" in body.text
    # An enum from a referenced schema (ActionInput.action_type -> ActionType).
    queue = docs.find_element(By.ID, "edrQueueAction")
    click(docs, queue.find_element(By.TAG_NAME, "summary"))
    assert "one of: collect_file_hash, kill_process" in queue.find_element(By.CSS_SELECTOR, ".request-body").text
    # allOf merged into one field list (IncidentDetail = Incident + notes, alerts, timeline).
    detail = docs.find_element(By.ID, "schema-IncidentDetail")
    click(docs, detail.find_element(By.TAG_NAME, "summary"))
    top_level = ".op-body > .schema > ul.fields > li > .field > .name"
    names = [element.text for element in detail.find_elements(By.CSS_SELECTOR, top_level)]
    assert "id" in names and "notes" in names and "timeline" in names, names
    docs.execute_script("arguments[0].scrollIntoView()", detail)
    docs.save_screenshot(str(ARTIFACTS / "docs-schema.png"))

    text = docs.find_element(By.TAG_NAME, "body").text
    assert "[object" not in text and "undefined" not in text
    for theme in ("light", "dark"):
        docs.execute_script("document.documentElement.dataset.theme = arguments[0]", theme)
        docs.execute_script("window.scrollTo(0, 0)")
        time.sleep(0.2)
        docs.save_screenshot(str(ARTIFACTS / f"docs-{theme}.png"))
    background = docs.execute_script("return getComputedStyle(document.body).backgroundColor")
    docs.execute_script("document.documentElement.dataset.theme = 'light'")
    assert docs.execute_script("return getComputedStyle(document.body).backgroundColor") != background
    docs.execute_script("delete document.documentElement.dataset.theme")
    # With no override the system setting decides (prefers-color-scheme).
    for scheme, color in (("dark", "rgb(15, 17, 21)"), ("light", "rgb(246, 247, 249)")):
        docs.execute_cdp_cmd("Emulation.setEmulatedMedia",
                             {"features": [{"name": "prefers-color-scheme", "value": scheme}]})
        assert docs.execute_script("return getComputedStyle(document.body).backgroundColor") == color
    docs.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
    assert severe_console_entries(docs) == []
    assert_same_origin_only(docs, siemd.base_url)


def test_docs_filter_narrows_the_operations(docs, siemd):
    total = len(documented_operations(siemd))
    open_docs(docs, siemd.base_url)
    box = docs.find_element(By.ID, "page-filter")
    box.send_keys("histogram")
    wait(docs).until(lambda d: visible_operation_ids(d) == ["eventHistogram"])
    assert docs.find_element(By.ID, "page-count").text == f"1 of {total} operations"
    assert docs.find_element(By.ID, "ingest").is_displayed() is False
    visible_links = [link.get_attribute("textContent")
                     for link in docs.find_elements(By.CSS_SELECTOR, "#page-toc li a") if link.is_displayed()]
    assert visible_links == ["GET /events/histogram"], visible_links
    hidden_tags = docs.execute_script(
        "return [...document.querySelectorAll('section.tag[data-tag]')].filter((s) => s.hidden).length")
    assert hidden_tags >= 5

    # Every word must match: method, path, summary, tag or parameter name.
    box.clear()
    box.send_keys("post incidents")
    wait(docs).until(lambda d: set(visible_operation_ids(d)) == {
        "createIncident", "updateIncidentPost", "addIncidentNote", "linkIncidentAlerts"})
    expand = docs.find_element(By.ID, "page-expand")
    click(docs, expand)
    opened = docs.execute_script("return [...document.querySelectorAll('details.op[open]')].map((e) => e.id)")
    assert sorted(opened) == sorted(visible_operation_ids(docs)) and expand.text == "Collapse all"
    click(docs, expand)
    assert docs.execute_script("return document.querySelectorAll('details.op[open]').length") == 0
    box.clear()
    box.send_keys("limit")
    wait(docs).until(lambda d: "listEvents" in visible_operation_ids(d) and "ingest" not in visible_operation_ids(d))
    box.clear()
    box.send_keys("no-such-operation-anywhere")
    wait(docs).until(lambda d: visible_operation_ids(d) == [])
    assert docs.find_element(By.ID, "page-no-match").is_displayed()
    docs.save_screenshot(str(ARTIFACTS / "docs-filter-empty.png"))
    box.send_keys(Keys.ESCAPE)
    wait(docs).until(lambda d: len(visible_operation_ids(d)) == total)
    assert docs.find_element(By.ID, "page-count").text == f"{total} operations"

    # `/` focuses the filter.
    click(docs, docs.find_element(By.TAG_NAME, "h1"))
    docs.find_element(By.TAG_NAME, "body").send_keys("/")
    assert docs.switch_to.active_element.get_attribute("id") == "page-filter"
    assert severe_console_entries(docs) == []


def highlighted_and_in_view(driver, element_id):
    return driver.execute_script("""
        const element = document.getElementById(arguments[0]);
        if (!element || !element.open || !element.classList.contains('highlight')) return false;
        const top = element.getBoundingClientRect().top;
        const bar = document.querySelector('.docs-bar').getBoundingClientRect().bottom;  // the sticky header
        return top >= Math.max(bar, 0) && top < window.innerHeight / 2
            && document.querySelectorAll('.highlight').length === 1;
    """, element_id)


def test_docs_deep_link_opens_and_highlights_the_operation(docs, siemd):
    # A fragment in the URL on arrival (the operations render after the page has loaded).
    open_docs(docs, siemd.base_url, "#linkIncidentAlerts")
    wait(docs).until(lambda d: highlighted_and_in_view(d, "linkIncidentAlerts"))
    assert docs.execute_script("return window.scrollY") > 200
    docs.save_screenshot(str(ARTIFACTS / "docs-deep-link.png"))

    # A link in the table of contents moves the highlight.
    click(docs, docs.find_element(By.CSS_SELECTOR, "#page-toc a[href='#eventHistogram']"))
    wait(docs).until(lambda d: highlighted_and_in_view(d, "eventHistogram"))
    assert docs.current_url.endswith("#eventHistogram")
    # A schema name links to its model.
    histogram = docs.find_element(By.ID, "eventHistogram")
    click(docs, histogram.find_element(
        By.CSS_SELECTOR, "details.response[data-status='200'] a.ref[href='#schema-Histogram']"))
    wait(docs).until(lambda d: highlighted_and_in_view(d, "schema-Histogram"))
    assert "interval_seconds" in docs.find_element(By.ID, "schema-Histogram").text

    # A deep link to an operation the filter hides clears the filter.
    docs.find_element(By.ID, "page-filter").send_keys("metrics")
    wait(docs).until(lambda d: visible_operation_ids(d) == ["metrics"])
    docs.execute_script("location.hash = '#ingest'")
    wait(docs).until(lambda d: highlighted_and_in_view(d, "ingest"))
    assert docs.find_element(By.ID, "page-filter").get_attribute("value") == ""
    assert severe_console_entries(docs) == []
    assert_same_origin_only(docs, siemd.base_url)


def test_docs_try_it_ingests_and_lists(docs, siemd):
    token = f"docs{uuid.uuid4().hex[:10]}"
    open_docs(docs, siemd.base_url, "#ingest")
    ingest = docs.find_element(By.ID, "ingest")
    click(docs, ingest.find_element(By.CSS_SELECTOR, "details.try > summary"))
    textarea = ingest.find_element(By.CSS_SELECTOR, "details.try textarea")
    assert '"message": "string"' in textarea.get_attribute("value")  # the example from EventInput
    textarea.clear()
    textarea.send_keys(f'{{"message": "{token} from the docs page", "host": "docs-host"}}')
    curl = ingest.find_element(By.CSS_SELECTOR, "pre.curl").text
    assert curl.startswith("curl -sS -X POST") and "content-type: application/json" in curl
    assert curl.endswith(f"'{siemd.base_url}/ingest'") and token in curl
    click(docs, ingest.find_element(By.CSS_SELECTOR, "details.try button[type='submit']"))
    output = ingest.find_element(By.CSS_SELECTOR, "pre.try-output")
    wait(docs).until(lambda d: output.text.startswith("HTTP 200"))
    assert '"count": 1' in output.text and '"ids"' in output.text, output.text

    events = docs.find_element(By.ID, "listEvents")
    click(docs, events.find_element(By.TAG_NAME, "summary"))
    click(docs, events.find_element(By.CSS_SELECTOR, "details.try > summary"))
    events.find_element(By.ID, "try-listEvents-query-limit").send_keys("5")
    events.find_element(By.ID, "try-listEvents-query-q").send_keys(token)
    assert f"/events?limit=5&q={token}'" in events.find_element(By.CSS_SELECTOR, "pre.curl").text
    click(docs, events.find_element(By.CSS_SELECTOR, "details.try button[type='submit']"))
    output = events.find_element(By.CSS_SELECTOR, "pre.try-output")
    wait(docs).until(lambda d: output.text.startswith("HTTP 200"))
    assert f"{token} from the docs page" in output.text and "docs-host" in output.text

    # A required path parameter left empty is named, not sent.
    alert = docs.find_element(By.ID, "getAlert")
    click(docs, alert.find_element(By.TAG_NAME, "summary"))
    click(docs, alert.find_element(By.CSS_SELECTOR, "details.try > summary"))
    click(docs, alert.find_element(By.CSS_SELECTOR, "details.try button[type='submit']"))
    assert "Fill in the required parameter: id" in alert.find_element(By.CSS_SELECTOR, "pre.try-output").text
    # An answer that is not JSON is shown as text.
    metrics = docs.find_element(By.ID, "metrics")
    click(docs, metrics.find_element(By.TAG_NAME, "summary"))
    click(docs, metrics.find_element(By.CSS_SELECTOR, "details.try > summary"))
    click(docs, metrics.find_element(By.CSS_SELECTOR, "details.try button[type='submit']"))
    output = metrics.find_element(By.CSS_SELECTOR, "pre.try-output")
    wait(docs).until(lambda d: output.text.startswith("HTTP 200"))
    assert "# TYPE" in output.text or "# HELP" in output.text, output.text[:300]
    docs.save_screenshot(str(ARTIFACTS / "docs-try-it.png"))
    assert severe_console_entries(docs) == []
    assert_same_origin_only(docs, siemd.base_url)


@pytest.fixture(scope="module")
def keyed_siemd():
    """A siemd that wants an API key everywhere except the docs page and its assets."""
    server = Siemd({"SIEM_API_KEY": "docs-test-key-0123456789abcdef",
                    "SIEM_AUTH_EXEMPT_PATHS": "/docs,/assets/*,/health"})
    yield server
    server.stop()


def test_docs_sends_the_api_key_the_dashboard_keeps(docs, keyed_siemd):
    key = "docs-test-key-0123456789abcdef"
    docs.get(f"{keyed_siemd.base_url}/docs")
    docs.execute_script("sessionStorage.clear()")
    docs.refresh()
    error = wait(docs).until(EC.visibility_of_element_located((By.ID, "page-load-error")))
    assert "authentication required" in error.text
    # The key saved on the page goes to the dashboard's place (sessionStorage siem.apiKey) and is sent.
    docs.find_element(By.ID, "page-api-key").send_keys(key, Keys.ENTER)
    wait(docs).until(lambda d: d.execute_script("return document.documentElement.dataset.docsReady") == "true")
    assert docs.execute_script("return sessionStorage.getItem('siem.apiKey')") == key

    # A key the dashboard saved in this tab is used on arrival.
    open_docs(docs, keyed_siemd.base_url, "#health")
    wait(docs).until(lambda d: highlighted_and_in_view(d, "health"))
    docs.get_log("browser")  # the 401 above is expected; start the console check here
    events = docs.find_element(By.ID, "listEvents")
    click(docs, events.find_element(By.TAG_NAME, "summary"))
    click(docs, events.find_element(By.CSS_SELECTOR, "details.try > summary"))
    assert '"x-api-key: $SIEM_API_KEY"' in events.find_element(By.CSS_SELECTOR, "pre.curl").text
    assert key not in events.find_element(By.CSS_SELECTOR, "pre.curl").text
    events.find_element(By.ID, "try-listEvents-query-limit").send_keys("1")
    click(docs, events.find_element(By.CSS_SELECTOR, "details.try button[type='submit']"))
    output = events.find_element(By.CSS_SELECTOR, "pre.try-output")
    wait(docs).until(lambda d: output.text.startswith("HTTP "))
    assert output.text.startswith("HTTP 200"), output.text
    fetches = docs.execute_script("return window.__fetches")
    assert fetches and all(entry["key"] == key for entry in fetches), fetches
    assert severe_console_entries(docs) == []
    assert_same_origin_only(docs, keyed_siemd.base_url)
    docs.execute_script("sessionStorage.clear()")


# A document with markup in every text, references that loop or point nowhere, and schemas that
# contain themselves: the page must show it all as text and terminate.
HOSTILE = {
    "openapi": "3.1.0",
    "info": {"title": "<img src=x onerror=\"window.__pwned='title'\">",
             "version": "1<script>window.__pwned='v'</script>",
             "description": "see `<b>code</b>` and <a href=\"javascript:window.__pwned='a'\">this</a>"},
    "tags": [{"name": "<i>nodes</i>", "description": "<style>body{display:none}</style>"}],
    "paths": {
        "/nodes/{id}": {
            "parameters": [{"$ref": "#/components/parameters/id"}],
            "get": {
                "operationId": "getNode", "summary": "<svg onload=\"window.__pwned='summary'\">",
                "tags": ["<i>nodes</i>"],
                "parameters": [{"$ref": "#/components/parameters/missing"},
                               {"name": "depth", "in": "query", "description": "<b>bold</b>",
                                "schema": {"type": "integer", "enum": [1, 2]}}],
                "responses": {
                    "200": {"description": "ok",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Node"}}}},
                    "404": {"$ref": "#/components/responses/Loop"},
                },
            },
        },
        "/\\evil.invalid/steal": {"get": {"operationId": "offsite", "summary": "elsewhere",
                                           "responses": {"200": {"description": "ok"}}}},
        "/pairs": {
            "post": {
                "operationId": "\"><img src=x onerror=\"window.__pwned='id'\">", "summary": "odd id",
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}},
                "responses": {"200": {"description": "ok", "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Self"}}}}},
            },
        },
    },
    "components": {
        "parameters": {"id": {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}},
        "responses": {"Loop": {"$ref": "#/components/responses/Loop"}},
        "schemas": {
            "Node": {"type": "object", "required": ["name"], "properties": {
                "name": {"type": "string", "description": "<img src=x onerror=\"window.__pwned='field'\">"},
                "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
                "parent": {"$ref": "#/components/schemas/Node"}}},
            "A": {"allOf": [{"$ref": "#/components/schemas/B"}], "properties": {"a": {"type": "string"}}},
            "B": {"type": "object", "properties": {"b": {"$ref": "#/components/schemas/A"}}},
            "Self": {"$ref": "#/components/schemas/Self"},
        },
    },
}


def test_docs_shows_a_hostile_cyclic_document_as_text(docs, siemd):
    override = docs.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": """
        const hostile = %s;
        const passOn = window.fetch;
        window.fetch = function (input, init) {
          if (String(input) !== '/openapi.json') return passOn.apply(this, arguments);
          const headers = {'content-type': 'application/json'};
          return Promise.resolve(new Response(JSON.stringify(hostile), {headers}));
        };
    """ % json.dumps(HOSTILE)})
    try:
        open_docs(docs, siemd.base_url)
        odd_id = HOSTILE["paths"]["/pairs"]["post"]["operationId"]
        assert docs.find_element(By.TAG_NAME, "h1").text.startswith(HOSTILE["info"]["title"])
        assert HOSTILE["info"]["version"] in docs.find_element(By.TAG_NAME, "h1").text
        assert "<b>code</b>" in docs.find_element(By.CSS_SELECTOR, "section.intro code").text
        assert docs.find_element(By.CSS_SELECTOR, "section.tag > h2").text == "<i>nodes</i>"
        node = docs.find_element(By.ID, "getNode")
        click(docs, node.find_element(By.TAG_NAME, "summary"))
        summary = HOSTILE["paths"]["/nodes/{id}"]["get"]["summary"]
        assert node.find_element(By.CSS_SELECTOR, ".op-summary").text == summary
        # The path item's parameter joins the operation's; a dangling reference is named.
        rows = node.find_elements(By.CSS_SELECTOR, "table.params tr[data-param]")
        assert [row.get_attribute("data-param") for row in rows] == ["id", "depth"]
        assert "unresolved reference #/components/parameters/missing" in node.text
        assert "<b>bold</b>" in node.text
        # Self-containing schemas end in a note instead of looping.
        ok = node.find_element(By.CSS_SELECTOR, "details.response[data-status='200']")
        assert ok.text.count("again (it contains itself") == 2, ok.text
        click(docs, node.find_element(By.CSS_SELECTOR, "details.response[data-status='404'] > summary"))
        assert "reference loops: #/components/responses/Loop" in node.text
        odd = docs.execute_script("return document.getElementById(arguments[0])", odd_id)
        click(docs, odd.find_element(By.TAG_NAME, "summary"))
        assert "again (it contains itself" in odd.find_element(By.CSS_SELECTOR, ".request-body").text
        assert "reference loops: #/components/schemas/Self" in odd.text
        click(docs, odd.find_element(By.CSS_SELECTOR, "details.try > summary"))
        assert '"b": null' in odd.find_element(By.CSS_SELECTOR, "textarea").get_attribute("value")
        # "Try it" sends nothing off this origin (`/\\host` is `//host` to a browser).
        offsite = docs.find_element(By.ID, "offsite")
        click(docs, offsite.find_element(By.TAG_NAME, "summary"))
        click(docs, offsite.find_element(By.CSS_SELECTOR, "details.try > summary"))
        click(docs, offsite.find_element(By.CSS_SELECTOR, "details.try button[type='submit']"))
        assert "does not stay on this server" in offsite.find_element(By.CSS_SELECTOR, "pre.try-output").text
        # (the document itself is answered by the override above, which sits in front of the recorder)
        assert docs.execute_script("return window.__fetches.map((entry) => entry.url)") == []
        # A deep link to the odd operationId works.
        docs.execute_script("location.hash = '#' + encodeURIComponent(arguments[0])", odd_id)
        wait(docs).until(lambda d: highlighted_and_in_view(d, odd_id))
        docs.save_screenshot(str(ARTIFACTS / "docs-hostile.png"))
        assert docs.execute_script("return typeof window.__pwned") == "undefined"
        assert docs.execute_script("return document.querySelectorAll('#page-main img, #page-main svg, #page-main script, "
                                   "#page-main style, #page-main i, #page-main b').length") == 0
        resources = docs.execute_script("return performance.getEntriesByType('resource').map((entry) => entry.name)")
        assert not any(name.endswith("/x") for name in resources), resources
        assert docs.execute_script("return window.__violations") == []
        assert severe_console_entries(docs) == []
    finally:
        docs.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": override["identifier"]})
