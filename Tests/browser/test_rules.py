"""The Rules view, and the rule behind an alert, in a real headless Chromium against a siemd over
rules written for these tests: sorting by header clicks, skipped rules and rules that never matched
marked at a glance, and a Sigma rule's author (and references, false positives) on its alerts."""

import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from conftest import ARTIFACTS
from siemd_server import Siemd

NATIVE = """
rules:
  - id: alpha_rule
    title: Zulu alpha
    severity: low
    tags: [browser.test]
    match: {field: message, contains: alpha-token}
  - id: charlie_rule
    title: Alpha charlie
    severity: critical
    match: {field: message, contains: charlie-token}
  - id: bravo_rule
    title: Mike bravo
    severity: medium
    match: {field: message, contains: bravo-token}
"""

# An unknown key: the document's rules are skipped, with the reason.
BROKEN = """
rules:
  - id: broken_rule
    title: Broken <b>rule</b>
    colour: red
    match: {field: message, contains: x}
"""

AUTHOR = "Jane Doe <img src=x onerror=\"window.__pwned = 'author'\">"
SIGMA_ID = "0b6f1c2e-7d1a-4c55-8f0e-2f4f8a3c9b10"
SIGMA = f"""
title: Browser Sigma token
id: {SIGMA_ID}
status: test
description: A command line holds the browser test token.
author: >-
  {AUTHOR}
references:
  - https://example.org/sigma/browser-token
  - javascript:window.__pwned='reference'
  - internal wiki page 42
falsepositives:
  - administrators testing <tokens>
logsource:
  product: linux
  category: process_creation
detection:
  selection:
    CommandLine|contains: browser-sigma-token
  condition: selection
level: high
tags:
  - attack.execution
"""

SIGMA_CONFIG = """
logsources:
  - product: linux
    category: process_creation
    when: {field: fields.CommandLine, exists: true}
"""


def wait(driver, timeout=15):
    return WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException,))


@pytest.fixture(scope="module")
def rules_siemd():
    with tempfile.TemporaryDirectory(prefix="siem-browser-rules-") as directory:
        folder = Path(directory) / "rules"
        folder.mkdir()
        (folder / "a-native.yml").write_text(NATIVE)
        (folder / "b-broken.yml").write_text(BROKEN)
        (folder / "c-sigma.yml").write_text(SIGMA)
        config = Path(directory) / "sigma-config.yml"
        config.write_text(SIGMA_CONFIG)
        server = Siemd(environment={"SIEM_SIGMA_CONFIG": str(config)}, rules=str(folder))
        try:
            server.ingest(*({"message": f"alpha-token seen {n}"} for n in range(3)), {"message": "bravo-token seen"},
                          {"message": "process started", "fields": {"CommandLine": "/bin/sh -c browser-sigma-token"}})
            yield server
        finally:
            server.stop()


def rule_rows(driver):
    return driver.find_elements(By.CSS_SELECTOR, "#rule-rows tr.rule-row")


def column(driver, name):
    return [row.find_element(By.CSS_SELECTOR, f"td.{name}").text for row in rule_rows(driver)]


def open_rules(driver, server, query=""):
    driver.get(f"{server.base_url}/?view=rules{query}")
    wait(driver).until(lambda d: len(rule_rows(d)) > 0)


def sort_by(driver, key):
    before = column(driver, "rule-id")
    driver.find_element(By.CSS_SELECTOR, f"#rules-table th[data-sort='{key}'] button.sort").click()
    return before


def test_rules_sort_by_a_click_on_their_header(page, rules_siemd):
    open_rules(page, rules_siemd)
    assert page.find_element(By.CSS_SELECTOR, "#nav a[data-view='rules']").get_attribute("class") == "active"
    sort_by(page, "id")
    wait(page).until(lambda d: d.find_element(By.CSS_SELECTOR, "th[data-sort='id']").get_attribute("aria-sort") == "ascending")
    ids = column(page, "rule-id")
    loaded = [value for value in ids if value.endswith("_rule")]
    assert loaded == sorted(loaded), ids
    sort_by(page, "id")
    wait(page).until(lambda d: d.find_element(By.CSS_SELECTOR, "th[data-sort='id']").get_attribute("aria-sort") == "descending")
    loaded_descending = [value for value in column(page, "rule-id") if value.endswith("_rule")]
    assert loaded_descending == sorted(loaded, reverse=True)

    # Matches sort most first; the order is in the URL and survives a reload.
    sort_by(page, "matches")
    wait(page).until(lambda d: d.find_element(By.CSS_SELECTOR, "th[data-sort='matches']").get_attribute("aria-sort") == "descending")
    ids = column(page, "rule-id")
    assert ids.index("alpha_rule") < ids.index("bravo_rule") < ids.index("charlie_rule"), ids
    query = parse_qs(urlparse(page.current_url).query)
    assert query["sort"] == ["matches"] and query["dir"] == ["desc"]
    page.refresh()
    wait(page).until(lambda d: len(rule_rows(d)) > 0)
    assert column(page, "rule-id") == ids

    # Level sorts by severity, not by name.
    sort_by(page, "level")
    wait(page).until(lambda d: d.find_element(By.CSS_SELECTOR, "th[data-sort='level']").get_attribute("aria-sort") == "descending")
    ids = column(page, "rule-id")
    assert ids.index("charlie_rule") < ids.index("bravo_rule") < ids.index("alpha_rule"), ids
    page.save_screenshot(str(ARTIFACTS / "rules-sorted.png"))


def test_skipped_and_never_matched_rules_are_marked(page, rules_siemd):
    open_rules(page, rules_siemd)
    broken = page.find_element(By.CSS_SELECTOR, "#rule-rows tr.rule-row[data-id='broken_rule']")
    assert "skipped" in broken.get_attribute("class").split()
    assert broken.find_element(By.CSS_SELECTOR, ".skipped-badge").text == "skipped"
    assert "colour" in broken.find_element(By.CSS_SELECTOR, ".rule-reason").text
    # The skipped rule's title is text: its markup shows, nothing is parsed.
    assert not broken.find_elements(By.CSS_SELECTOR, "td b")

    charlie = page.find_element(By.CSS_SELECTOR, "#rule-rows tr.rule-row[data-id='charlie_rule']")
    assert "no-matches" in charlie.get_attribute("class").split()
    assert charlie.find_element(By.CSS_SELECTOR, ".zero-badge").text == "0"
    alpha = page.find_element(By.CSS_SELECTOR, "#rule-rows tr.rule-row[data-id='alpha_rule']")
    assert "no-matches" not in alpha.get_attribute("class").split()
    assert alpha.find_element(By.CSS_SELECTOR, "td.rule-matches").text == "3"

    # The status select asks the API for skipped rules only.
    page.find_element(By.CSS_SELECTOR, "#rule-status option[value='skipped']").click()
    wait(page).until(lambda d: "status=skipped" in d.current_url)
    wait(page).until(lambda d: rule_rows(d) and all("skipped" in row.get_attribute("class").split() for row in rule_rows(d)))
    assert "broken_rule" in column(page, "rule-id")

    # The text filter matches an id, a title, an author, a file or a tag.
    open_rules(page, rules_siemd, "&q=BROWSER.TEST")
    assert column(page, "rule-id") == ["alpha_rule"]
    summary = page.find_element(By.ID, "rules-summary").text
    assert "1 rule shown of 1 matching" in summary, summary

    # A row opens the rule; a match count leads to its alerts.
    alpha = page.find_element(By.CSS_SELECTOR, "#rule-rows tr.rule-row[data-id='alpha_rule']")
    alpha.find_element(By.CSS_SELECTOR, "td.rule-title").click()
    detail = wait(page).until(EC.visibility_of_element_located((By.ID, "rule-detail")))
    assert "browser.test" in detail.text and "a-native.yml" in detail.text
    alpha.find_element(By.CSS_SELECTOR, "td.rule-matches button").click()
    wait(page).until(lambda d: "view=alerts" in d.current_url and "rule_id=alpha_rule" in d.current_url)
    wait(page).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "tr.alert-row")) == 3)
    assert not [entry for entry in page.get_log("browser") if entry["level"] == "SEVERE"]


def test_reload_reports_what_changed(page, rules_siemd):
    open_rules(page, rules_siemd)
    page.find_element(By.ID, "rules-reload").click()
    wait(page).until(lambda d: "Rules reloaded" in d.find_element(By.ID, "status").text)
    text = page.find_element(By.ID, "status").text
    assert "0 added, 0 removed, 0 changed" in text, text


def test_a_sigma_alert_shows_its_rule_author(page, rules_siemd):
    status, catalog = rules_siemd.request("GET", "/rules?format=sigma")
    assert status == 200, catalog
    rule = next(item for item in catalog["items"] if item["id"] == SIGMA_ID)
    if rule["status"] != "loaded":
        pytest.fail(f"the Sigma rule did not load in this build: {rule['reason']}")
    page.get(f"{rules_siemd.base_url}/?view=alerts&by=list&rule_format=sigma")
    row = wait(page).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "tr.alert-row")))
    assert "sigma" in row.text
    row.find_element(By.XPATH, "./td[5]").click()
    section = wait(page).until(EC.visibility_of_element_located((By.ID, "alert-rule")))
    assert section.find_element(By.CSS_SELECTOR, "dd.rule-author").text == AUTHOR
    assert section.find_element(By.CSS_SELECTOR, "dd.rule-format").text == "sigma"
    assert section.find_element(By.CSS_SELECTOR, "dd.rule-file").text.endswith("c-sigma.yml")
    links = section.find_elements(By.CSS_SELECTOR, ".rule-references a")
    assert [link.get_attribute("href") for link in links] == ["https://example.org/sigma/browser-token"]
    assert "noopener" in links[0].get_attribute("rel").split()
    texts = [item.text for item in section.find_elements(By.CSS_SELECTOR, ".rule-references li")]
    assert texts == ["https://example.org/sigma/browser-token", "javascript:window.__pwned='reference'",
                     "internal wiki page 42"]
    assert section.find_element(By.CSS_SELECTOR, ".rule-falsepositives").text == "administrators testing <tokens>"
    assert not section.find_elements(By.CSS_SELECTOR, "img")
    time.sleep(0.3)
    assert page.execute_script("return typeof window.__pwned") == "undefined"
    # The event behind it is shown below the rule.
    assert "browser-sigma-token" in page.find_element(By.ID, "detail").text
    page.save_screenshot(str(ARTIFACTS / "alert-sigma-author.png"))
