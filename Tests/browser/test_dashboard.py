"""The dashboard in a real headless Chromium against a real siemd on loopback."""

import hashlib
import json
import re
import time
import uuid
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, quote, urlparse

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from conftest import ARTIFACTS
from siemd_server import Siemd
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

XSS_MESSAGE = ('xsstoken{token} <script>window.__pwned = "script"</script> '
               '<img src=x onerror="window.__pwned = \'img\'"> done')


# Every time on the dashboard: local time with its zone (UTC, or an offset such as UTC+05:30).
ZONED_TIME = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC(?:[+-]\d\d:\d\d)?"


def wait(driver, timeout=15):
    # Views re-render on live refresh, so an element found a moment ago may be replaced.
    return WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException,))


def severe_console_entries(driver):
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def require_route(siemd, path, what):
    status, body = siemd.request("GET", path)
    if status == 404 and isinstance(body, dict) and "no route" in str(body.get("detail", "")):
        pytest.fail(f"{what} route {path} is not in this siemd build (it lands with the {what} branch): {body}")


def search(driver, siemd, text):
    driver.get(f"{siemd.base_url}/?view=search")
    box = wait(driver).until(EC.element_to_be_clickable((By.ID, "query")))
    box.clear()
    box.send_keys(text, Keys.ENTER)


def iso(moment):
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def both_themes(driver, name):
    """Screenshots of the page as it is, in the light and in the dark theme (not saved as a choice)."""
    for theme in ("light", "dark"):
        driver.execute_script("document.documentElement.dataset.theme = arguments[0]", theme)
        time.sleep(0.2)
        driver.save_screenshot(str(ARTIFACTS / f"{name}-{theme}.png"))
    driver.execute_script("delete document.documentElement.dataset.theme")


@pytest.fixture
def kolkata(page):
    """The browser in Asia/Kolkata (UTC+05:30, no daylight saving), so local time differs from UTC."""
    page.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": "Asia/Kolkata"})
    yield page
    page.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": ""})


def result_row(driver, needle):
    xpath = f"//tbody[@id='results']/tr[td[contains(@class,'message') and contains(., '{needle}')]]"
    return wait(driver).until(EC.presence_of_element_located((By.XPATH, xpath)))


def test_page_loads_without_console_errors(page, siemd):
    siemd.ingest({"message": "hello from the page load test", "host": "load-host"},
                 {"source": "syslog", "host": "load-host", "fields": {"program": "sshd"},
                  "message": "Failed password for invalid user admin from 10.0.0.5 port 53422 ssh2"})
    page.get(siemd.base_url + "/")
    wait(page).until(EC.presence_of_element_located((By.CSS_SELECTOR, "#results tr")))
    wait(page).until(EC.presence_of_element_located((By.CSS_SELECTOR, "#histogram svg")))
    for view, ready in (("overview", "#overview svg rect.bar"), ("alerts", "tr.group-row")):
        page.find_element(By.CSS_SELECTOR, f"#nav a[data-view='{view}']").click()
        wait(page).until(lambda driver: f"view={view}" in driver.current_url)
        wait(page).until(EC.presence_of_element_located((By.CSS_SELECTOR, ready)))
        time.sleep(0.5)
        body = page.find_element(By.TAG_NAME, "body").text
        assert "[object" not in body and "undefined" not in body, body
        page.save_screenshot(str(ARTIFACTS / f"view-{view}.png"))
    counts = page.find_element(By.ID, "severity-counts").text
    assert "medium" in counts
    assert page.execute_script("return typeof window.__pwned") == "undefined"
    errors = severe_console_entries(page)
    assert errors == [], f"console errors: {errors}"


def test_search_for_unique_token_shows_its_event(page, siemd):
    token = f"tok{uuid.uuid4().hex[:12]}"
    siemd.ingest({"message": f"user login {token} accepted", "host": "search-host", "source": "api",
                  "fields": {"program": "sshd"}},
                 {"message": "an unrelated event", "host": "other-host"})
    search(page, siemd, token)
    row = result_row(page, token)
    rows = page.find_elements(By.CSS_SELECTOR, "#results tr")
    assert len(rows) == 1, [r.text for r in rows]
    assert parse_qs(urlparse(page.current_url).query)["q"] == [token]

    row.click()
    message = wait(page).until(EC.visibility_of_element_located((By.ID, "detail-message")))
    assert message.text == f"user login {token} accepted"
    assert "fields.program" in page.find_element(By.ID, "detail").text

    # A click on a value adds it as a filter, in the box and in the URL.
    page.find_element(By.XPATH, "//aside[@id='detail']//button[@class='value' and .='search-host']").click()
    wait(page).until(lambda driver: "host%3Asearch-host" in driver.current_url or "host:search-host" in driver.current_url)
    assert page.find_element(By.ID, "query").get_attribute("value") == f"{token} host:search-host"
    result_row(page, token)

    # Reloading the URL restores the search.
    page.refresh()
    assert page.find_element(By.ID, "query").get_attribute("value") == f"{token} host:search-host"
    result_row(page, token)

    # `/` focuses the search box.
    page.find_element(By.TAG_NAME, "body").click()
    page.find_element(By.TAG_NAME, "body").send_keys("/")
    assert page.switch_to.active_element.get_attribute("id") == "query"
    assert severe_console_entries(page) == []


def test_search_with_two_words_and_a_spaced_filter_finds_the_event(page, siemd):
    """A space is sent as %20: siemd reads `+` in a query as a plus, not a space."""
    token = uuid.uuid4().hex[:10]
    siemd.ingest({"message": f"alpha{token} middle beta{token}", "host": f"spaced host {token}"},
                 {"message": f"alpha{token} alone", "host": "other-host"})
    search(page, siemd, f'alpha{token} beta{token} host:"spaced host {token}"')
    row = result_row(page, f"beta{token}")
    assert len(page.find_elements(By.CSS_SELECTOR, "#results tr")) == 1, row.text
    assert severe_console_entries(page) == []

def test_histogram_draws_and_zooms(page, siemd):
    token = f"histo{uuid.uuid4().hex[:10]}"
    siemd.ingest(*[{"message": f"{token} event {n}", "host": "histo-host"} for n in range(5)])
    search(page, siemd, token)
    result_row(page, token)
    bars = wait(page).until(lambda driver: [bar for bar in driver.find_elements(By.CSS_SELECTOR, "#histogram svg rect.bar")
                                            if float(bar.get_attribute("height")) > 0])
    assert len(bars) >= 1
    assert sum(int(bar.get_attribute("data-count")) for bar in bars) == 5
    # Dragging across the chart zooms to the selected span.
    chart = page.find_element(By.CSS_SELECTOR, "#histogram svg")
    width = chart.size["width"]
    ActionChains(page).move_to_element_with_offset(chart, -width // 4, 0).click_and_hold() \
        .move_by_offset(width // 2, 0).release().perform()
    wait(page).until(lambda driver: "range=custom" in driver.current_url)
    dragged = parse_qs(urlparse(page.current_url).query)
    assert dragged["since"][0] < dragged["until"][0]
    page.back()
    wait(page).until(lambda driver: "range=custom" not in driver.current_url)
    bars = wait(page).until(lambda driver: [bar for bar in driver.find_elements(By.CSS_SELECTOR, "#histogram svg rect.bar")
                                            if float(bar.get_attribute("height")) > 0])
    # Clicking the bar zooms the range to its bucket.
    bars[-1].click()
    wait(page).until(lambda driver: "range=custom" in driver.current_url)
    query = parse_qs(urlparse(page.current_url).query)
    assert query["since"] and query["until"]
    result_row(page, token)
    assert severe_console_entries(page) == []


def test_markup_in_logs_is_text_and_runs_nothing(page, siemd):
    token = uuid.uuid4().hex[:12]
    message = XSS_MESSAGE.format(token=token)
    siemd.ingest({"message": message, "host": "<b>evil-host</b>",
                  "fields": {"note": "<img src=x onerror=\"window.__pwned='field'\">"}})
    search(page, siemd, f"xsstoken{token}")
    row = result_row(page, f"xsstoken{token}")
    assert "<script>window.__pwned" in row.text
    assert "<img src=x onerror=" in row.text
    row.click()
    detail = wait(page).until(EC.visibility_of_element_located((By.ID, "detail-message")))
    assert detail.text == message
    assert "<b>evil-host</b>" in page.find_element(By.ID, "detail").text
    assert "<img src=x onerror=" in page.find_element(By.ID, "detail").text
    time.sleep(1)  # give any injected handler time to fire
    assert page.execute_script("return typeof window.__pwned") == "undefined"
    assert page.find_elements(By.CSS_SELECTOR, "#main img, #main script, #main b") == []
    assert severe_console_entries(page) == []


def test_incident_from_alert_with_a_note(page, siemd):
    require_route(siemd, "/mdr/incidents", "MDR")
    token = uuid.uuid4().hex[:8]
    ingest = siemd.ingest({"source": "syslog", "host": f"mdr-{token}", "fields": {"program": "sshd"},
                           "message": f"Failed password for invalid user admin{token} from 10.0.0.5 port 53422 ssh2"})
    alert_id = ingest["alerts"][0]["id"]
    page.get(f"{siemd.base_url}/?view=alerts&by=list")
    button = wait(page).until(EC.element_to_be_clickable(
        (By.CSS_SELECTOR, f"button.create-incident[data-alert='{alert_id}']")))
    button.click()
    link = wait(page).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "a.incident-link")))
    assert "created" in page.find_element(By.ID, "status").text
    link.click()
    wait(page).until(EC.visibility_of_element_located((By.ID, "incident-detail")))
    note_text = f"triaged {token}: <script>window.__pwned='note'</script>"
    page.find_element(By.CSS_SELECTOR, "#note-form textarea").send_keys(note_text)
    page.find_element(By.CSS_SELECTOR, "#note-form input[name='author']").send_keys("analyst1")
    page.find_element(By.CSS_SELECTOR, "#note-form button[type='submit']").click()
    wait(page).until(lambda driver: note_text in driver.find_element(By.ID, "notes").text)
    assert page.execute_script("return typeof window.__pwned") == "undefined"
    incident_id = parse_qs(urlparse(page.current_url).query)["id"][0]
    status, detail = siemd.request("GET", f"/mdr/incidents/{incident_id}")
    assert status == 200 and note_text in str(detail)


def test_ioc_added_and_deleted(page, siemd):
    require_route(siemd, "/ti/iocs", "threat intel")
    value = f"198.51.100.{uuid.uuid4().int % 250 + 1}"
    page.get(f"{siemd.base_url}/?view=intel")
    form = wait(page).until(EC.presence_of_element_located((By.ID, "ioc-form")))
    form.find_element(By.CSS_SELECTOR, "input[name='value']").send_keys(value)
    form.find_element(By.CSS_SELECTOR, "input[name='note']").send_keys("browser test")
    form.find_element(By.CSS_SELECTOR, "button[type='submit']").click()
    delete = wait(page).until(EC.element_to_be_clickable((By.CSS_SELECTOR, f"button.delete-ioc[data-value='{value}']")))
    status, listing = siemd.request("GET", "/ti/iocs?limit=500")
    assert status == 200 and value in str(listing)
    delete.click()
    wait(page).until(lambda driver: not driver.find_elements(By.CSS_SELECTOR, f"button.delete-ioc[data-value='{value}']"))
    status, listing = siemd.request("GET", "/ti/iocs?limit=500")
    assert status == 200 and value not in str(listing)


def test_theme_toggle_switches_colors(page, siemd):
    page.get(f"{siemd.base_url}/?view=overview")
    wait(page).until(EC.presence_of_element_located((By.CSS_SELECTOR, "#overview .cards")))
    background = page.execute_script("return getComputedStyle(document.body).backgroundColor")
    page.find_element(By.ID, "theme").click()
    wait(page).until(lambda driver: driver.execute_script(
        "return getComputedStyle(document.body).backgroundColor") != background)
    theme = page.execute_script("return document.documentElement.dataset.theme")
    assert theme in ("dark", "light")
    page.save_screenshot(str(ARTIFACTS / f"theme-{theme}.png"))
    page.find_element(By.ID, "theme").click()
    wait(page).until(lambda driver: driver.execute_script(
        "return getComputedStyle(document.body).backgroundColor") == background)
    page.execute_script("localStorage.removeItem('siem.theme')")


def test_new_events_appear_without_reload(page, siemd):
    token = f"live{uuid.uuid4().hex[:10]}"
    siemd.ingest({"message": f"{token} first", "host": "live-host"})
    search(page, siemd, token)
    result_row(page, f"{token} first")
    siemd.ingest({"message": f"{token} second", "host": "live-host"})
    row = WebDriverWait(page, 15).until(EC.presence_of_element_located(
        (By.XPATH, f"//tbody[@id='results']/tr[contains(@class,'fresh') and contains(., '{token} second')]")))
    assert page.find_elements(By.CSS_SELECTOR, "#results tr")[0] == row
    assert severe_console_entries(page) == []


def test_results_are_newest_first_and_page_with_the_cursor(page, siemd):
    token = f"page{uuid.uuid4().hex[:10]}"
    siemd.ingest(*[{"message": f"{token} number {n:03d}", "host": "page-host"} for n in range(60)])
    search(page, siemd, token)
    result_row(page, f"{token} number 059")
    rows = page.find_elements(By.CSS_SELECTOR, "#results tr")
    assert len(rows) == 50
    assert f"{token} number 059" in rows[0].text and f"{token} number 010" in rows[-1].text
    more = page.find_element(By.ID, "more")
    assert more.is_displayed()
    more.click()
    result_row(page, f"{token} number 000")
    rows = page.find_elements(By.CSS_SELECTOR, "#results tr")
    assert len(rows) == 60
    assert f"{token} number 000" in rows[-1].text
    assert not page.find_element(By.ID, "more").is_displayed()


def test_endpoint_listed_and_action_queued(page, siemd):
    require_route(siemd, "/edr/endpoints", "EDR")
    agent = f"agent-{uuid.uuid4().hex[:8]}"
    status, body = siemd.request("POST", "/edr/register", {"agent_id": agent, "hostname": f"host-{agent}", "os": "linux"})
    assert status in (200, 201), body
    page.get(f"{siemd.base_url}/?view=endpoints")
    row = wait(page).until(EC.element_to_be_clickable(
        (By.XPATH, f"//div[@id='endpoints']//tr[td[contains(., '{agent}')]]")))
    assert "online" in row.text and "not isolated" in row.text
    row.click()
    wait(page).until(lambda driver: f"agent_id={agent}" in driver.current_url)
    form = page.find_element(By.ID, "action-form")
    assert form.find_element(By.CSS_SELECTOR, "input[name='agent_id']").get_attribute("value") == agent
    form.find_element(By.CSS_SELECTOR, "button[type='submit']").click()
    wait(page).until(lambda driver: "collect_file_hash" in driver.find_element(By.ID, "action-history").text)
    assert "queued" in page.find_element(By.ID, "status").text
    assert severe_console_entries(page) == []


def test_action_history_shows_status_error_and_output(page, siemd):
    require_route(siemd, "/edr/endpoints", "EDR")
    agent = f"agent-{uuid.uuid4().hex[:8]}"
    status, registered = siemd.request("POST", "/edr/register", {"agent_id": agent, "hostname": f"host-{agent}", "os": "linux"})
    assert status in (200, 201), registered
    token = {"x-agent-token": registered["token"]}
    ids = []
    for _ in range(2):
        status, action = siemd.request("POST", "/edr/actions", {"agent_id": agent, "action_type": "collect_file_hash",
                                                                 "params": {"path": "/bin/bash"}, "requested_by": "browser-test"})
        assert status == 201, action
        ids.append(action["id"])
    status, polled = siemd.request("GET", f"/edr/actions/poll?agent_id={agent}", headers=token)
    assert status == 200 and sorted(a["id"] for a in polled["actions"]) == sorted(ids), polled
    output = {"path": "/bin/bash", "sha256": "ab" * 32, "size": 1234,
              "note": "<img src=x onerror=\"window.__pwned='output'\">", "tail": "end-of-output"}
    status, body = siemd.request("POST", f"/edr/actions/{ids[0]}/result",
                                 {"agent_id": agent, "status": "succeeded", "output": output}, headers=token)
    assert status == 200, body
    status, body = siemd.request("POST", f"/edr/actions/{ids[1]}/result",
                                 {"agent_id": agent, "status": "failed", "error": "permission denied <b>boom</b>"}, headers=token)
    assert status == 200, body

    page.get(f"{siemd.base_url}/?view=endpoints&agent_id={agent}")
    row = lambda action_id: f"//div[@id='action-history']//tr[td[1][.='{action_id}']]"
    wait(page).until(EC.presence_of_element_located((By.XPATH, row(ids[0]))))
    page.find_element(By.ID, "live").click()  # no live redraws while the rows are read
    time.sleep(1)
    succeeded = page.find_element(By.XPATH, row(ids[0]))
    assert "succeeded" in succeeded.find_element(By.CSS_SELECTOR, "td.action-status").text
    result = succeeded.find_element(By.CSS_SELECTOR, "td.result")
    summary = result.find_element(By.CSS_SELECTOR, "details summary")
    assert "ab" * 10 in summary.text and summary.text.endswith("…") and "end-of-output" not in summary.text
    assert json.loads(summary.get_attribute("title")) == output  # the whole output, compact
    summary.click()
    full = wait(page).until(EC.visibility_of_element_located((By.XPATH, row(ids[0]) + "//details/pre")))
    assert json.loads(full.text) == output
    failed = page.find_element(By.XPATH, row(ids[1]))
    assert "failed" in failed.find_element(By.CSS_SELECTOR, "td.action-status").text
    assert "error: permission denied <b>boom</b>" in failed.find_element(By.CSS_SELECTOR, "td.result").text
    assert page.find_elements(By.CSS_SELECTOR, "#main img, #main b") == []
    page.find_element(By.ID, "live").click()
    time.sleep(6)  # a live refresh redraws the table: the opened output stays open
    assert page.find_element(By.XPATH, row(ids[0]) + "//details/pre").is_displayed()
    assert page.execute_script("return typeof window.__pwned") == "undefined"
    both_themes(page, "action-history")
    assert severe_console_entries(page) == []


def test_event_list_shows_both_times_and_says_it_is_by_arrival(page, siemd):
    token = f"order{uuid.uuid4().hex[:10]}"
    now = datetime.now(timezone.utc)
    # Received in this order, but the second one happened earlier (a backfill).
    siemd.ingest({"message": f"{token} recent", "host": "order-host", "ts": iso(now - timedelta(minutes=10))})
    siemd.ingest({"message": f"{token} backfilled", "host": "order-host", "ts": iso(now - timedelta(minutes=50))})
    status, listing = siemd.request("GET", f"/search?q={token}")
    assert status == 200 and [e["message"] for e in listing["items"]] == [f"{token} backfilled", f"{token} recent"]
    search(page, siemd, token)
    result_row(page, f"{token} recent")
    headers = [th.text for th in page.find_elements(By.CSS_SELECTOR, "table.events thead th")]
    assert headers[0].startswith("Received") and headers[1] == "Event time", headers
    summary = page.find_element(By.CSS_SELECTOR, ".results .summary").text
    assert "newest first by arrival" in summary, summary
    rows = page.find_elements(By.CSS_SELECTOR, "#results tr")
    assert [r.find_element(By.CSS_SELECTOR, "td.message").text for r in rows] == [f"{token} backfilled", f"{token} recent"]
    for row, event in zip(rows, listing["items"]):
        received = row.find_element(By.CSS_SELECTOR, "td.received time")
        event_time = row.find_element(By.CSS_SELECTOR, "td.event-time time")
        assert received.get_attribute("datetime") == event["received_at"]
        assert event_time.get_attribute("datetime") == event["ts"]
        assert re.fullmatch(ZONED_TIME, received.text) and re.fullmatch(ZONED_TIME, event_time.text)
    both_themes(page, "event-list-times")
    assert severe_console_entries(page) == []


def test_incident_timeline_shows_field_changes_who_and_when(page, siemd):
    require_route(siemd, "/mdr/incidents", "MDR")
    token = uuid.uuid4().hex[:8]
    status, incident = siemd.request("POST", "/mdr/incidents", {"title": f"timeline {token}", "severity": "high",
                                                                "actor": f"creator-{token}"})
    assert status == 201, incident
    status, body = siemd.request("PATCH", f"/mdr/incidents/{incident['id']}",
                                 {"status": "in_progress", "assigned_to": f"bob-{token}", "actor": f"alice-{token}"})
    assert status == 200, body
    page.get(f"{siemd.base_url}/?view=incidents&id={incident['id']}")
    timeline = wait(page).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "#incident-detail ul.timeline")))
    wait(page).until(lambda driver: len(timeline.find_elements(By.TAG_NAME, "li")) == 3)
    entries = [li.text for li in timeline.find_elements(By.TAG_NAME, "li")]
    created, status_change, assignment = entries
    assert f"creator-{token}" in created and "created" in created and "status: (none) → open" in created
    assert f"alice-{token}" in status_change and "status: open → in_progress" in status_change
    assert f"alice-{token}" in assignment and f"assigned_to: (none) → bob-{token}" in assignment
    for entry in entries:
        assert re.search(ZONED_TIME, entry), entry
    # No alerts: nothing is printed in their place (Element.append once printed "false").
    assert page.find_element(By.ID, "incident-detail").text.split("\n")[-1] != "false"
    page.execute_script("arguments[0].scrollIntoView()", timeline)
    both_themes(page, "incident-timeline")
    assert severe_console_entries(page) == []


def test_ioc_list_shows_severity_hits_and_expiry(page, siemd):
    require_route(siemd, "/ti/iocs", "threat intel")
    base = uuid.uuid4().int % 200 + 1
    live, stale = f"203.0.113.{base}", f"203.0.113.{base + 50}"
    status, body = siemd.request("POST", "/ti/iocs", {"type": "ip", "value": live, "severity": "low",
                                                      "expires_at": "2099-01-01T00:00:00Z"})
    assert status in (200, 201), body
    status, body = siemd.request("POST", "/ti/iocs", {"type": "ip", "value": stale, "severity": "critical",
                                                      "expires_at": "2020-01-01T00:00:00Z"})
    assert status in (200, 201), body
    siemd.ingest({"message": f"connection from {live} accepted", "host": "ti-host"},
                 {"message": f"connection from {live} again", "host": "ti-host"})
    page.get(f"{siemd.base_url}/?view=intel")
    row = lambda value: wait(page).until(EC.presence_of_element_located(
        (By.XPATH, f"//div[@id='iocs']//tr[td[.='{value}']]")))
    row(live)  # the table is drawn once the list has loaded; read its header after that
    headers = [th.text for th in page.find_elements(By.CSS_SELECTOR, "#iocs thead th")]
    assert {"Severity", "Hits", "Last hit", "Expires"} <= set(headers), headers
    cells = lambda tr: dict(zip(headers, [td.text for td in tr.find_elements(By.TAG_NAME, "td")]))
    hit = cells(row(live))
    assert hit["Severity"] == "low" and hit["Hits"] == "2", hit
    assert re.fullmatch(ZONED_TIME, hit["Last hit"]) and re.fullmatch(ZONED_TIME, hit["Expires"]), hit
    assert "expired" not in row(live).get_attribute("class")
    gone = cells(row(stale))
    assert gone["Severity"] == "critical" and gone["Hits"] == "0" and gone["Last hit"] == "never", gone
    assert re.fullmatch(ZONED_TIME + r"\s*expired", gone["Expires"]), gone
    assert "expired" in row(stale).get_attribute("class").split()
    both_themes(page, "intel-list")
    assert severe_console_entries(page) == []


def test_times_carry_their_zone_and_the_histogram_ends_at_until(kolkata, siemd):
    page = kolkata
    token = f"zone{uuid.uuid4().hex[:10]}"
    siemd.ingest({"message": f"{token} in range", "host": "zone-host", "ts": "2026-01-15T09:30:00Z"})
    page.get(f"{siemd.base_url}/?view=search&q={token}&range=custom"
             "&since=2026-01-15T09:00:00.000Z&until=2026-01-15T10:00:00.000Z")
    row = result_row(page, f"{token} in range")
    # 09:30 UTC is 15:00 in Kolkata.
    assert row.find_element(By.CSS_SELECTOR, "td.event-time").text == "2026-01-15 15:00:00 UTC+05:30"
    assert row.find_element(By.CSS_SELECTOR, "td.received").text.endswith(" UTC+05:30")
    legend = wait(page).until(EC.presence_of_element_located((By.CSS_SELECTOR, "#histogram .chart-legend")))
    assert legend.find_element(By.CSS_SELECTOR, ".since").text == "2026-01-15 14:30:00 UTC+05:30"
    assert legend.find_element(By.CSS_SELECTOR, ".until").text == "2026-01-15 15:30:00 UTC+05:30"  # until, not the last bucket's start
    assert page.find_element(By.CSS_SELECTOR, "#search-form .zone").text == "UTC+05:30"
    row.click()
    detail = wait(page).until(EC.visibility_of_element_located((By.ID, "detail"))).text
    assert "2026-01-15 15:00:00 UTC+05:30" in detail
    page.save_screenshot(str(ARTIFACTS / "zone-search.png"))

    # The other views say the zone too.
    siemd.ingest({"source": "syslog", "host": f"zone-{token}", "fields": {"program": "sshd"},
                  "message": f"Failed password for invalid user zone{token} from 10.0.0.5 port 53422 ssh2"})
    siemd.request("POST", "/edr/register", {"agent_id": f"zone-{token}", "hostname": f"zone-{token}", "os": "linux"})
    siemd.request("POST", "/ti/iocs", {"type": "domain", "value": f"{token}.example.com"})
    siemd.request("POST", "/mdr/incidents", {"title": f"zone {token}"})
    for view in ("alerts", "intel", "endpoints", "incidents", "overview"):
        page.get(f"{siemd.base_url}/?view={view}")
        ready = "#overview .chart-legend time" if view == "overview" else "#main table tbody tr"
        wait(page).until(EC.presence_of_element_located((By.CSS_SELECTOR, ready)))
        times = wait(page).until(lambda driver: driver.find_elements(By.CSS_SELECTOR, "#main time"))
        for element in times:
            assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\+05:30", element.text), (view, element.text)
        page.save_screenshot(str(ARTIFACTS / f"zone-{view}.png"))
    assert severe_console_entries(page) == []


@pytest.mark.parametrize("name", ["constructor", "__proto__", "toString", "hasOwnProperty"])
def test_hostile_view_and_range_names_fall_back_to_defaults(page, siemd, name):
    page.get(f"{siemd.base_url}/?view={name}")
    wait(page).until(EC.presence_of_element_located((By.ID, "query")))
    assert page.find_element(By.CSS_SELECTOR, "#nav a.active").get_attribute("data-view") == "search"
    page.get(f"{siemd.base_url}/?view=search&range={name}")
    wait(page).until(EC.presence_of_element_located((By.CSS_SELECTOR, "#histogram svg")))
    wait(page).until(lambda driver: driver.find_element(By.CSS_SELECTOR, ".results .summary").text != "")
    assert page.find_element(By.ID, "range").get_attribute("value") == "24h"
    assert severe_console_entries(page) == []


def test_proto_and_constructor_keys_are_shown_in_the_event_detail(page, siemd):
    token = f"proto{uuid.uuid4().hex[:10]}"
    fields = json.loads('{"__proto__": "protoval-%s", "constructor": "ctorval-%s", '
                        '"nested": {"__proto__": "deepval-%s"}, "empty": {}}' % (token, token, token))
    siemd.ingest({"message": f"{token} hostile keys", "host": "proto-host", "fields": fields})
    status, listing = siemd.request("GET", f"/search?q={token}")
    assert status == 200 and "__proto__" in listing["items"][0]["fields"], listing
    search(page, siemd, token)
    result_row(page, token).click()
    wait(page).until(EC.visibility_of_element_located((By.ID, "detail-message")))
    value_of = lambda key: page.find_element(
        By.XPATH, f"//aside[@id='detail']//dl/dt[.='{key}']/following-sibling::dd[1]").text
    assert value_of("fields.__proto__") == f"protoval-{token}"
    assert value_of("fields.constructor") == f"ctorval-{token}"
    assert value_of("fields.nested.__proto__") == f"deepval-{token}"
    assert value_of("fields.empty") == "{}"
    assert page.execute_script("return ({}).polluted === undefined && Object.getPrototypeOf({}) === Object.prototype")
    both_themes(page, "proto-keys-detail")
    assert severe_console_entries(page) == []


def audit_rows(driver):
    return driver.find_elements(By.CSS_SELECTOR, "#audit-rows tr.audit-row")


def audit_cells(row):
    names = ("time", "actor", "role", "address", "action", "target", "status", "details")
    return dict(zip(names, [td.text for td in row.find_elements(By.TAG_NAME, "td")]))


def audit_row(driver, actor, action=None, status=None):
    """The first (newest) row of the audit table for `actor` (and `action`, `status`)."""
    def find(driver):
        for row in audit_rows(driver):
            cells = audit_cells(row)
            if cells["actor"] == actor and action in (None, cells["action"]) \
                    and (status is None or cells["status"].split()[0] == str(status)):
                return row
        return False
    return wait(driver).until(find)


def test_audit_view_shows_who_changed_what_and_filters(page, siemd):
    require_route(siemd, "/audit", "audit")
    token = uuid.uuid4().hex[:8]
    carol, dave = f"carol-{token}", f"dave-{token}"
    hostile = f"<img src=x onerror=\"window.__pwned='audit'\">{token}"
    status, incident = siemd.request("POST", "/mdr/incidents", {"title": f"audit {token}"}, headers={"x-siem-user": carol})
    assert status == 201, incident
    status, refused = siemd.request("POST", "/mdr/incidents", {}, headers={"x-siem-user": carol})
    assert status >= 400, refused
    status, body = siemd.request("POST", f"/mdr/incidents/{incident['id']}/notes", {"author": carol, "note": "seen"},
                                 headers={"x-siem-user": carol})
    assert status in (200, 201), body
    status, body = siemd.request("POST", f"/ti/iocs/import?type=domain&source=feed-{token}",
                                 f"{token}.audit.example.com\n", content_type="text/plain", headers={"x-siem-user": dave})
    assert status in (200, 201), body
    status, body = siemd.request("POST", "/ti/iocs", {"type": "domain", "value": f"{token}.evil.example.com"},
                                 headers={"x-siem-user": hostile})
    assert status in (200, 201), body
    status, logged = siemd.request("GET", f"/audit?actor={carol}")
    assert status == 200 and len(logged["items"]) == 3, logged
    refused_status = logged["items"][1]["status"]  # the log says what siemd answered
    assert refused_status >= 400, logged

    page.get(f"{siemd.base_url}/?view=audit")
    wait(page).until(EC.presence_of_element_located((By.CSS_SELECTOR, "table.audit thead th")))  # drawn after the fetch
    assert page.find_element(By.CSS_SELECTOR, "#nav a.active").get_attribute("data-view") == "audit"
    headers = [th.text for th in page.find_elements(By.CSS_SELECTOR, "table.audit thead th")]
    assert [h.split()[0] for h in headers] == ["Time", "Actor", "Role", "Address", "Action", "Target", "Status", "Details"], headers
    created = audit_cells(audit_row(page, carol, "POST /mdr/incidents", 201))
    assert created["target"] == "/mdr/incidents" and created["status"] == "201", created
    assert created["address"] == "127.0.0.1" and created["role"] == "—", created  # no authentication: no role
    assert re.fullmatch(ZONED_TIME, created["time"]), created
    imported = audit_cells(audit_row(page, dave, "POST /ti/iocs/import"))
    assert json.loads(imported["details"]) == {"query": f"type=domain&source=feed-{token}"}, imported  # compact JSON text
    assert imported["details"] == json.dumps({"query": f"type=domain&source=feed-{token}"}, separators=(",", ":"))
    note = audit_cells(audit_row(page, carol, "POST /mdr/incidents/{id}/notes"))
    assert note["target"] == f"/mdr/incidents/{incident['id']}/notes", note
    # A refusal is marked, in the row and by the status.
    row = audit_row(page, carol, "POST /mdr/incidents", refused_status)
    assert "refused" in row.get_attribute("class").split()
    assert audit_cells(row)["status"] == f"{refused_status} refused"
    assert "refused" not in audit_row(page, carol, "POST /mdr/incidents", 201).get_attribute("class").split()
    # A hostile actor is text.
    evil = audit_row(page, hostile, "POST /ti/iocs")
    assert audit_cells(evil)["actor"] == hostile
    assert page.find_elements(By.CSS_SELECTOR, "#main img") == []
    both_themes(page, "audit-view")

    # Filtering by actor narrows the rows to that actor, in the URL too.
    box = page.find_element(By.ID, "audit-actor")
    box.clear()
    box.send_keys(carol, Keys.ENTER)
    wait(page).until(lambda driver: parse_qs(urlparse(driver.current_url).query).get("actor") == [carol])
    wait(page).until(lambda driver: len(audit_rows(driver)) == 3)
    assert {audit_cells(row)["actor"] for row in audit_rows(page)} == {carol}
    # A click on an action adds it as a filter.
    audit_row(page, carol, "POST /mdr/incidents/{id}/notes").find_element(By.CSS_SELECTOR, "td.audit-action button.value").click()
    wait(page).until(lambda driver: parse_qs(urlparse(driver.current_url).query).get("action") == ["POST /mdr/incidents/{id}/notes"])
    wait(page).until(lambda driver: len(audit_rows(driver)) == 1)
    assert audit_cells(audit_rows(page)[0])["actor"] == carol
    assert page.find_element(By.ID, "audit-action").get_attribute("value") == "POST /mdr/incidents/{id}/notes"
    # Reloading keeps the filters; the hostile actor, filtered on, is still only text.
    page.get(f"{siemd.base_url}/?view=audit&actor={quote(hostile)}")
    wait(page).until(lambda driver: len(audit_rows(driver)) == 1)
    assert page.find_element(By.ID, "audit-actor").get_attribute("value") == hostile
    assert audit_cells(audit_rows(page)[0])["actor"] == hostile
    # A time range that ends before these changes shows none of them.
    page.get(f"{siemd.base_url}/?view=audit&actor={carol}&range=custom&since=2020-01-01T00:00:00.000Z"
             "&until=2020-01-02T00:00:00.000Z")
    wait(page).until(lambda driver: driver.find_element(By.ID, "audit-summary").text == "No audit entries match.")
    assert audit_rows(page) == []
    assert page.find_element(By.ID, "audit-range").get_attribute("value") == "custom"
    time.sleep(1)
    assert page.execute_script("return typeof window.__pwned") == "undefined"
    assert severe_console_entries(page) == []


def test_audit_view_pages_older_entries_and_shows_new_ones_live(page, siemd):
    require_route(siemd, "/audit", "audit")
    token = uuid.uuid4().hex[:8]
    actor = f"pager-{token}"
    for n in range(55):
        status, body = siemd.request("POST", "/ti/iocs", {"type": "domain", "value": f"n{n}.{token}.example.com"},
                                     headers={"x-siem-user": actor})
        assert status in (200, 201), body
    page.get(f"{siemd.base_url}/?view=audit&actor={actor}")
    wait(page).until(lambda driver: len(audit_rows(driver)) == 50)
    ids = [int(row.get_attribute("data-id")) for row in audit_rows(page)]
    assert ids == sorted(ids, reverse=True)
    more = page.find_element(By.ID, "audit-more")
    assert more.is_displayed()
    more.click()
    wait(page).until(lambda driver: len(audit_rows(driver)) == 55)
    assert not page.find_element(By.ID, "audit-more").is_displayed()
    assert "55 entries shown (all)" in page.find_element(By.ID, "audit-summary").text
    # Live: a new change appears on top without a reload.
    status, body = siemd.request("POST", "/ti/iocs", {"type": "domain", "value": f"late.{token}.example.com"},
                                 headers={"x-siem-user": actor})
    assert status in (200, 201), body
    wait(page, 20).until(lambda driver: len(audit_rows(driver)) == 56)
    top = audit_rows(page)[0]
    assert "fresh" in top.get_attribute("class").split() and int(top.get_attribute("data-id")) > ids[0]
    assert severe_console_entries(page) == []


def test_audit_view_needs_an_admin_key(page, tmp_path):
    keys = {"ana": ("analyst", f"analyst-{uuid.uuid4().hex}"), "root": ("admin", f"admin-{uuid.uuid4().hex}"),
            "rita": ("reader", f"reader-{uuid.uuid4().hex}")}
    keys_file = tmp_path / "keys"
    keys_file.write_text("".join(f"{name} {role} {hashlib.sha256(key.encode()).hexdigest()}\n"
                                 for name, (role, key) in keys.items()))
    # The page and its assets without credentials, so the key can be entered in the page.
    server = Siemd({"SIEM_API_KEYS_FILE": str(keys_file), "SIEM_AUTH_EXEMPT_PATHS": "/health,/,/assets/*"})
    try:
        require_route(server, "/audit", "audit")
        as_key = lambda name: {"x-api-key": keys[name][1]}
        status, body = server.request("GET", "/audit", headers=as_key("ana"))
        assert status == 403 and body["error"] == "insufficient_role", body
        status, body = server.request("POST", "/ti/iocs", {"type": "domain", "value": "reader.example.com"},
                                      headers=as_key("rita"))
        assert status == 403, body
        status, body = server.request("POST", "/ti/iocs", {"type": "domain", "value": "analyst.example.com"},
                                      headers=as_key("ana"))
        assert status in (200, 201), body

        def use_key(name):
            view = page.find_element(By.ID, "audit-notice")
            box = page.find_element(By.ID, "api-key")
            box.clear()
            box.send_keys(keys[name][1], Keys.ENTER)
            wait(page).until(EC.staleness_of(view))  # the view is drawn again with the key

        page.get(f"{server.base_url}/?view=audit")
        notice = wait(page).until(EC.visibility_of_element_located((By.ID, "audit-notice")))
        wait(page).until(lambda driver: "Authentication required" in notice.text)
        use_key("ana")
        notice = wait(page).until(EC.visibility_of_element_located((By.ID, "audit-notice")))
        wait(page).until(lambda driver: "The audit log needs an admin key." in notice.text)
        assert "ana has analyst" in notice.text  # siemd's own words
        assert not page.find_element(By.ID, "audit").is_displayed()
        body = page.find_element(By.TAG_NAME, "body").text
        assert "[object" not in body and "undefined" not in body, body
        assert page.execute_script("return sessionStorage.getItem('siem.apiKey')") == keys["ana"][1]
        time.sleep(6)  # a live refresh does not bring back a broken table
        assert page.find_element(By.ID, "audit-notice").is_displayed()
        assert audit_rows(page) == []
        both_themes(page, "audit-needs-admin")

        use_key("root")
        refused = audit_cells(audit_row(page, "rita", "POST /ti/iocs", 403))
        assert refused["role"] == "reader" and refused["status"] == "403 refused", refused
        accepted = audit_cells(audit_row(page, "ana", "POST /ti/iocs", 201))
        assert accepted["role"] == "analyst", accepted
        assert not page.find_element(By.ID, "audit-notice").is_displayed()
        # Only the refused fetches (401, 403) are in the console: nothing the page itself did wrong.
        errors = [entry for entry in severe_console_entries(page)
                  if not re.search(r"status of (401|403)", entry["message"])]
        assert errors == [], errors
    finally:
        page.execute_script("sessionStorage.removeItem('siem.apiKey')")
        server.stop()
