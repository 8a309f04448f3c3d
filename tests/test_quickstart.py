"""What can be checked of the Docker quickstart without a Docker engine."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def test_images_are_official_odoo_18_and_postgres_16():
    assert SERVICES["db"]["image"] == "postgres:16"
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM odoo:18$", dockerfile, re.MULTILINE)
    assert SERVICES["odoo"]["build"] == "."
    assert SERVICES["odoo"]["ports"] == ["8069:8069"]


def test_dockerfile_installs_what_the_addons_and_tests_need():
    dockerfile = (ROOT / "Dockerfile").read_text()
    for requirements in ("requirements.txt", "requirements-test.txt"):
        assert requirements in dockerfile
        assert (ROOT / requirements).is_file()
    declared = (ROOT / "requirements.txt").read_text().split()
    for library in ("python-dateutil", "python-stdnum", "sepaxml"):
        assert library in declared


def test_mounts_point_at_existing_folders():
    for name, service in SERVICES.items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (ROOT / source).exists(), f"{name} mounts missing {source}"


def test_first_start_installs_the_addons_with_demo_data():
    odoo = SERVICES["odoo"]
    script_host = next(v for v in odoo["volumes"] if "start.sh" in v).split(":")[0]
    script = (ROOT / script_host).read_text()
    assert "-i recurring_billing,mrr_analytics,mrr_analytics_dashboard" in script
    assert "without-demo" not in script
    assert odoo["command"] == ["/usr/local/bin/recurring-start.sh"]


def test_test_service_runs_the_ci_entry_point():
    test = SERVICES["test"]
    assert test["entrypoint"] == ["bash", "tests/run.sh"]
    assert (ROOT / "tests" / "run.sh").is_file()
    assert "tests/run.sh" in (ROOT / ".ci" / "run").read_text()
    assert test["environment"]["PGHOST"] == "db"
