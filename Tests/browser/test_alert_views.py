"""The analyst views in a real headless Chromium against a siemd over rules written for these tests:
alerts grouped by rule and by group key (counts, first/last seen, a sparkline, the evidence behind
a group, bulk triage of a group, an alert's triage details), the ATT&CK matrix (tactics as columns,
techniques with alert counts, a technique's alerts), and the search field sidebar (top values,
filter in, leave out)."""

import json
import re
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from conftest import ARTIFACTS
from siemd_server import Siemd

ZONED_TIME = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC(?:[+-]\d\d:\d\d)?"
HOSTILE_HOST = "<img src=x onerror=\"window.__pwned = 'group'\">"

RULES = """
rules:
  - id: browser_brute
    title: Browser brute force
    severity: high
    tags: [attack.credential_access, attack.t1110]
    threshold: {count: 5, within: 5m, group_by: [host]}
    match: {field: message, contains: brute-token}
  - id: browser_probe
    title: Browser probe
    severity: medium
    tags: [attack.discovery, attack.t1046]
    suppress: {by: [host], for: 1h}
    match: {field: message, contains: probe-token}
  - id: browser_shell
    title: Browser shell
    severity: low
    tags: [attack.t1059]
    match: {field: message, contains: shell-token}
"""

SSH = "Failed password for invalid user {user} from {ip} port 53422 ssh2"
LOGINS = [("alice", "10.0.0.5"), ("alice", "10.0.0.5"), ("bob", "10.0.0.6"), ("carol", "10.0.0.5")]


def wait(driver, timeout=15):
    return WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException,))


def severe(driver):
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


@pytest.fixture(scope="module")
def views_siemd():
    with tempfile.TemporaryDirectory(prefix="siem-browser-views-") as directory:
        rules = Path(directory) / "rules.yml"
        rules.write_text(RULES)
        server = Siemd(rules=str(rules))
        try:
            server.ingest(*({"message": f"brute-token attempt {n}", "host": "bastion"} for n in range(7)))
            server.ingest(*({"message": f"brute-token attempt {n}", "host": "jump"} for n in range(6)))
            server.ingest(*({"message": f"probe-token {n}", "host": "web1"} for n in range(3)),
                          *({"message": f"probe-token {n}", "host": "web2"} for n in range(2)),
                          {"message": "probe-token hostile", "host": HOSTILE_HOST},
                          {"message": "shell-token", "host": "db1"})
            server.ingest(*({"source": "syslog", "host": "sidebar-host", "fields": {"program": "sshd"},
                             "message": SSH.format(user=user, ip=ip)} for user, ip in LOGINS))
            yield server
        finally:
            server.stop()


def group_rows(driver):
    return driver.find_elements(By.CSS_SELECTOR, "#group-rows tr.group-row")


def row_for(driver, rule, group=None):
    for row in group_rows(driver):
        if row.get_attribute("data-rule") != rule:
            continue
        if group is None or json.loads(row.get_attribute("data-group")) == group:
            return row
    return None


def test_alerts_are_grouped_by_rule_with_counts_times_and_a_sparkline(page, views_siemd):
    page.get(f"{views_siemd.base_url}/?view=alerts")
    wait(page).until(lambda d: row_for(d, "browser_brute") is not None)
    assert page.find_element(By.CSS_SELECTOR, "#alerts-by a.active").get_attribute("data-by") == "rule"
    assert page.find_element(By.ID, "alert-status").get_attribute("value") == "open"
    brute = row_for(page, "browser_brute")
    assert brute.find_element(By.CSS_SELECTOR, "td.group-alerts").text == "2"
    assert brute.find_element(By.CSS_SELECTOR, "td.group-events").text == "13"
    assert re.fullmatch(ZONED_TIME, brute.find_element(By.CSS_SELECTOR, "td.group-first time").text)
    assert re.fullmatch(ZONED_TIME, brute.find_element(By.CSS_SELECTOR, "td.group-last time").text)
    assert "open 2" in brute.find_element(By.CSS_SELECTOR, "td.group-statuses").text
    spark = brute.find_element(By.CSS_SELECTOR, "td.group-trend svg.sparkline")
    counts = [int(value) for value in spark.get_attribute("data-counts").split(",")]
    assert len(counts) == 24 and counts[-1] == 2 and sum(counts) == 2
    bars = spark.find_elements(By.CSS_SELECTOR, "rect.spark-bar")
    assert len(bars) == 1 and bars[0].get_attribute("data-count") == "2"
    probe = row_for(page, "browser_probe")
    assert probe.find_element(By.CSS_SELECTOR, "td.group-alerts").text == "3"
    assert probe.find_element(By.CSS_SELECTOR, "td.group-events").text == "6"
    page.save_screenshot(str(ARTIFACTS / "alerts-by-rule.png"))

    # By group key: one row per rule and host, the values shown as text.
    page.find_element(By.CSS_SELECTOR, "#alerts-by a[data-by='group']").click()
    wait(page).until(lambda d: "by=group" in d.current_url and row_for(d, "browser_brute", {"host": "jump"}))
    bastion = row_for(page, "browser_brute", {"host": "bastion"})
    assert bastion.find_element(By.CSS_SELECTOR, "td.group-key").text == "host=bastion"
    assert bastion.find_element(By.CSS_SELECTOR, "td.group-events").text == "7"
    hostile = row_for(page, "browser_probe", {"host": HOSTILE_HOST})
    assert hostile.find_element(By.CSS_SELECTOR, "td.group-key").text == f"host={HOSTILE_HOST}"
    assert not page.find_elements(By.CSS_SELECTOR, "#alert-groups img")

    # One click opens the group: its alert and every event behind it.
    bastion.find_element(By.CSS_SELECTOR, "td.group-rule").click()
    detail = wait(page).until(EC.visibility_of_element_located((By.ID, "detail")))
    assert page.find_element(By.ID, "group-title").text == "Browser brute force"
    wait(page).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#evidence tr.evidence-row")) == 7)
    messages = [row.find_element(By.CSS_SELECTOR, "td.message").text
                for row in page.find_elements(By.CSS_SELECTOR, "#evidence tr.evidence-row")]
    assert sorted(messages) == sorted(f"brute-token attempt {n}" for n in range(7))
    assert detail.find_element(By.CSS_SELECTOR, "#group-alerts tr.group-alert-row td.alert-count").text == "7"
    page.save_screenshot(str(ARTIFACTS / "alerts-group-evidence.png"))
    time.sleep(0.3)
    assert page.execute_script("return typeof window.__pwned") == "undefined"
    assert severe(page) == []


def test_a_group_is_triaged_in_bulk_and_an_alert_shows_its_triage(page, views_siemd):
    page.get(f"{views_siemd.base_url}/?view=alerts&by=group")
    wait(page).until(lambda d: row_for(d, "browser_brute", {"host": "jump"}) is not None)
    # Close every alert of one group: it leaves the open view; the other group stays.
    row_for(page, "browser_brute", {"host": "jump"}).find_element(By.CSS_SELECTOR, "button.triage-closed").click()
    wait(page).until(lambda d: "marked closed" in d.find_element(By.ID, "status").text)
    assert "1 alert of browser_brute" in page.find_element(By.ID, "status").text
    wait(page).until(lambda d: row_for(d, "browser_brute", {"host": "jump"}) is None)
    assert row_for(page, "browser_brute", {"host": "bastion"}) is not None
    status, closed = views_siemd.request("GET", "/alerts?rule_id=browser_brute&status=closed")
    assert status == 200 and [alert["group"] for alert in closed["items"]] == [{"host": "jump"}]

    # Assign the other group from its detail.
    row_for(page, "browser_brute", {"host": "bastion"}).find_element(By.CSS_SELECTOR, "td.group-rule").click()
    form = wait(page).until(EC.visibility_of_element_located((By.ID, "group-assign")))
    form.find_element(By.CSS_SELECTOR, "input[name='assignee']").send_keys("alice", Keys.ENTER)
    wait(page).until(lambda d: "assigned to alice" in d.find_element(By.ID, "status").text)
    status, assigned = views_siemd.request("GET", "/alerts?assigned_to=alice")
    assert status == 200 and [alert["group"] for alert in assigned["items"]] == [{"host": "bastion"}]

    # The closed group is in the closed view; acknowledging from there moves it on.
    page.get(f"{views_siemd.base_url}/?view=alerts&by=group&status=closed")
    wait(page).until(lambda d: row_for(d, "browser_brute", {"host": "jump"}) is not None)
    assert "closed 1" in row_for(page, "browser_brute", {"host": "jump"}).find_element(By.CSS_SELECTOR, "td.group-statuses").text

    # An alert's details: count, first/last seen, group, status, assignee, its evidence.
    page.get(f"{views_siemd.base_url}/?view=alerts&by=list&rule_id=browser_brute&status=any")
    wait(page).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "tr.alert-row")) == 2)
    rows = page.find_elements(By.CSS_SELECTOR, "tr.alert-row")
    assert sorted(row.find_element(By.CSS_SELECTOR, "td.alert-status").text for row in rows) == ["closed", "open"]
    bastion = next(row for row in rows if row.find_element(By.CSS_SELECTOR, "td.alert-assignee").text == "alice")
    bastion.find_element(By.XPATH, "./td[5]").click()
    triage = wait(page).until(EC.visibility_of_element_located((By.ID, "alert-triage")))
    assert triage.find_element(By.CSS_SELECTOR, "dd.alert-count").text == "7"
    assert triage.find_element(By.CSS_SELECTOR, "dd.alert-status").text == "open"
    assert triage.find_element(By.CSS_SELECTOR, "dd.alert-assignee").text == "alice"
    assert triage.find_element(By.CSS_SELECTOR, "dd.alert-kind").text == "threshold"
    assert triage.find_element(By.CSS_SELECTOR, "dd.alert-group").text == "host=bastion"
    assert re.fullmatch(ZONED_TIME, triage.find_element(By.CSS_SELECTOR, "dd.alert-first-seen").text)
    assert re.fullmatch(ZONED_TIME, triage.find_element(By.CSS_SELECTOR, "dd.alert-last-seen").text)
    wait(page).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#alert-evidence tr.evidence-row")) == 7)
    page.save_screenshot(str(ARTIFACTS / "alert-triage-detail.png"))

    # One alert's status from its detail.
    triage.find_element(By.CSS_SELECTOR, "button.triage-acknowledged").click()
    wait(page).until(lambda d: "marked acknowledged" in d.find_element(By.ID, "status").text)
    wait(page).until(lambda d: d.find_element(By.CSS_SELECTOR, "#alert-triage dd.alert-status").text == "acknowledged")
    status, acknowledged = views_siemd.request("GET", "/alerts?status=acknowledged")
    assert [alert["group"] for alert in acknowledged["items"]] == [{"host": "bastion"}]
    assert severe(page) == []


TACTICS = ["Reconnaissance", "Resource Development", "Initial Access", "Execution", "Persistence",
           "Privilege Escalation", "Defense Evasion", "Credential Access", "Discovery", "Lateral Movement",
           "Collection", "Command and Control", "Exfiltration", "Impact", "Unmapped"]


def test_attack_matrix_shows_tactics_with_technique_counts(page, views_siemd):
    page.get(f"{views_siemd.base_url}/?view=attack&status=any")
    wait(page).until(EC.presence_of_element_located((By.CSS_SELECTOR, "#attack-matrix button.technique")))
    assert page.find_element(By.CSS_SELECTOR, "#nav a[data-view='attack']").get_attribute("class") == "active"
    names = [element.text for element in page.find_elements(By.CSS_SELECTOR, "#attack-matrix section.tactic .tactic-name")]
    assert names == TACTICS
    def technique(tactic, tag):
        return page.find_element(By.CSS_SELECTOR, f"section.tactic[data-tactic='{tactic}'] button.technique[data-tag='{tag}']")
    assert technique("credential_access", "attack.t1110").find_element(By.CSS_SELECTOR, ".technique-count").text == "2"
    assert technique("discovery", "attack.t1046").find_element(By.CSS_SELECTOR, ".technique-count").text == "3"
    assert technique("unmapped", "attack.t1059").find_element(By.CSS_SELECTOR, ".technique-id").text == "T1059"
    credential = page.find_element(By.CSS_SELECTOR, "section.tactic[data-tactic='credential_access']")
    assert credential.find_element(By.CSS_SELECTOR, ".tactic-id").text == "TA0006"
    assert credential.find_element(By.CSS_SELECTOR, ".tactic-count").text == "2"
    assert not page.find_elements(By.CSS_SELECTOR, "section.tactic[data-tactic='impact'] button.technique")
    page.save_screenshot(str(ARTIFACTS / "attack-matrix.png"))

    # A technique lists its alerts, and leads to them in the Alerts view.
    technique("credential_access", "attack.t1110").click()
    wait(page).until(EC.visibility_of_element_located((By.ID, "attack-detail")))
    assert page.find_element(By.ID, "technique-title").text == "T1110 · Credential Access"
    wait(page).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#technique-alerts tr.alert-row")) == 2)
    assert "tag=attack.t1110" in page.current_url
    page.find_element(By.ID, "technique-link").click()
    wait(page).until(lambda d: "view=alerts" in d.current_url)
    query = parse_qs(urlparse(page.current_url).query)
    assert query["tag"] == ["attack.t1110"] and query["by"] == ["list"]
    wait(page).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "tr.alert-row")) == 2)

    # The open view counts open alerts only (the closed brute force is left out).
    page.get(f"{views_siemd.base_url}/?view=attack")
    wait(page).until(EC.presence_of_element_located((By.CSS_SELECTOR, "#attack-matrix button.technique")))
    assert page.find_element(By.ID, "attack-status").get_attribute("value") == "open"
    counts = {element.get_attribute("data-tag"): element.find_element(By.CSS_SELECTOR, ".technique-count").text
              for element in page.find_elements(By.CSS_SELECTOR, "#attack-matrix button.technique")}
    status, open_alerts = views_siemd.request("GET", "/alerts?tag=attack.t1110&status=open")
    assert status == 200
    assert counts["attack.t1046"] == "3" and counts.get("attack.t1110", "0") == str(len(open_alerts["items"]))
    assert severe(page) == []


def field_details(driver, field):
    """The sidebar entry of `field`, opened (the most common fields are open, the rest folded)."""
    details = driver.find_element(By.CSS_SELECTOR, f"#field-sidebar details.field[data-field='{field}']")
    driver.execute_script("arguments[0].open = true", details)
    return details


def sidebar_values(driver, field):
    if not driver.find_elements(By.CSS_SELECTOR, f"#field-sidebar details.field[data-field='{field}']"):
        return {}
    rows = field_details(driver, field).find_elements(By.CSS_SELECTOR, "li.field-value-row")
    return {row.find_element(By.CSS_SELECTOR, "button.field-value").text: int(row.find_element(By.CSS_SELECTOR, ".field-count").text)
            for row in rows}


def messages(driver):
    return sorted(row.text for row in driver.find_elements(By.CSS_SELECTOR, "#results td.message"))


def test_search_sidebar_shows_top_values_and_filters_in_and_out(page, views_siemd):
    page.get(f"{views_siemd.base_url}/?view=search&q=host:sidebar-host")
    wait(page).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#results tr[data-id]")) == 4)
    wait(page).until(lambda d: sidebar_values(d, "user.name"))
    assert sidebar_values(page, "user.name") == {"alice": 2, "bob": 1, "carol": 1}
    assert sidebar_values(page, "source.ip") == {"10.0.0.5": 3, "10.0.0.6": 1}
    assert sidebar_values(page, "host") == {"sidebar-host": 4}
    assert sidebar_values(page, "fields.program") == {"sshd": 4}
    field = field_details(page, "user.name")
    assert field.find_element(By.CSS_SELECTOR, ".field-coverage").text == "4"
    page.save_screenshot(str(ARTIFACTS / "search-field-sidebar.png"))

    # Click a value: only its events.
    row = field.find_element(By.CSS_SELECTOR, "li.field-value-row[data-value='alice']")
    row.find_element(By.CSS_SELECTOR, "button.field-value").click()
    wait(page).until(lambda d: "user.name%3Aalice" in d.current_url or "user.name:alice" in d.current_url)
    wait(page).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#results tr[data-id]")) == 2)
    assert all("user alice " in message for message in messages(page))
    assert page.find_element(By.ID, "query").get_attribute("value") == "host:sidebar-host user.name:alice"

    # Its "−" leaves the value out instead (the filter in goes).
    wait(page).until(EC.presence_of_element_located((By.CSS_SELECTOR, "#field-sidebar details.field[data-field='user.name']")))
    field = field_details(page, "user.name")
    field.find_element(By.CSS_SELECTOR, "li.field-value-row[data-value='alice'] button.field-out").click()
    wait(page).until(lambda d: d.find_element(By.ID, "query").get_attribute("value") == "host:sidebar-host -user.name:alice")
    wait(page).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#results tr[data-id]")) == 2)
    assert not [message for message in messages(page) if "user alice " in message]
    wait(page).until(lambda d: sidebar_values(d, "user.name") == {"bob": 1, "carol": 1})

    # Leaving out a second value of another field narrows again.
    field_details(page, "source.ip").find_element(
        By.CSS_SELECTOR, "li.field-value-row[data-value='10.0.0.6'] button.field-out").click()
    wait(page).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#results tr[data-id]")) == 1)
    assert "user carol " in messages(page)[0]
    # A raw field's value filters in as text.
    wait(page).until(lambda d: sidebar_values(d, "fields.program") == {"sshd": 1})
    field_details(page, "fields.program").find_element(
        By.CSS_SELECTOR, "li.field-value-row[data-value='sshd'] button.field-value").click()
    wait(page).until(lambda d: "fields.program:sshd" in d.find_element(By.ID, "query").get_attribute("value"))
    wait(page).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#results tr[data-id]")) == 1)
    assert page.find_element(By.ID, "status").text == ""
    assert severe(page) == []
