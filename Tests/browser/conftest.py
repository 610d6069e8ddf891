import os
import shutil
from pathlib import Path

import pytest

from siemd_server import REPO, Siemd

ARTIFACTS = Path(os.environ.get("ARTIFACTS_DIR", REPO / "artifacts" / "browser"))


def chromium_paths():
    browser = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    driver = os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver")
    return browser, driver


@pytest.fixture(scope="session")
def siemd():
    server = Siemd()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    browser_path, driver_path = chromium_paths()
    if not browser_path or not driver_path:
        pytest.skip("browser tests skipped: no chromium and chromedriver on this machine "
                    "(apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = browser_path
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1440,900", "--disable-extensions", "--no-first-run"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(30)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()


@pytest.fixture
def page(browser, siemd, request):
    """The browser with its console log emptied; saves a screenshot after the test."""
    browser.get_log("browser")
    yield browser
    browser.save_screenshot(str(ARTIFACTS / f"{request.node.name}.png"))
