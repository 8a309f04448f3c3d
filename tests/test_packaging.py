"""The addons build as OCA-style wheels whose metadata pins Odoo 18.0."""

import ast
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# What each addon reads at run time besides its code, and so ships in its wheel: the
# rules its README points to, or the dashboard file it loads.
SHIPPED = {
    "recurring_billing": "doc/*.md",
    "mrr_analytics": "doc/*.md",
    "mrr_analytics_dashboard": "data/files/*_dashboard.json",
}


def build_wheel(addon, out):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
        + ["--quiet", "-w", str(out), str(ROOT / addon)],
        check=True,
    )
    (wheel,) = out.glob(f"odoo_addon_{addon}-18.0.*.whl")
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        return wheel, Parser().parsestr(archive.read(name).decode())


def manifest(addon):
    return ast.literal_eval((ROOT / addon / "__manifest__.py").read_text())


@pytest.mark.parametrize("addon", sorted(SHIPPED))
def test_wheel_requires_odoo_18_and_declared_libraries(addon, tmp_path):
    wheel, metadata = build_wheel(addon, tmp_path)
    requires = metadata.get_all("Requires-Dist")
    assert "odoo==18.0.*" in requires
    for library in manifest(addon).get("external_dependencies", {}).get("python", []):
        assert library in requires
    for dependency in manifest(addon)["depends"]:
        if (ROOT / dependency).is_dir():
            assert f"odoo-addon-{dependency}==18.0.*" in requires
    assert metadata["License"] == "LGPL-3"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert f"odoo/addons/{addon}/__manifest__.py" in names
    shipped = [
        path.relative_to(ROOT / addon) for path in (ROOT / addon).glob(SHIPPED[addon])
    ]
    assert shipped
    for path in shipped:
        assert f"odoo/addons/{addon}/{path.as_posix()}" in names


def test_manifests_share_version_and_license():
    manifests = [manifest(addon) for addon in SHIPPED]
    assert {m["version"] for m in manifests} == {"18.0.1.2.0"}
    assert {m["license"] for m in manifests} == {"LGPL-3"}
    assert all(m["installable"] for m in manifests)


def test_metapackage_installs_every_addon():
    text = (ROOT / "setup" / "_metapackage" / "pyproject.toml").read_text()
    for addon in SHIPPED:
        assert f'"odoo-addon-{addon}==18.0.*"' in text


def test_dashboard_glue_keeps_mrr_analytics_free_of_spreadsheets():
    assert "spreadsheet_dashboard" not in manifest("mrr_analytics")["depends"]
    glue = manifest("mrr_analytics_dashboard")
    assert glue["depends"] == ["mrr_analytics", "spreadsheet_dashboard"]
    assert glue["auto_install"] is True


def test_queue_glue_is_optional_and_requires_queue_job(tmp_path):
    # The default install (either addon, the metapackage) never brings queue_job.
    for addon in SHIPPED:
        assert "queue_job" not in manifest(addon)["depends"]
    metapackage = (ROOT / "setup" / "_metapackage" / "pyproject.toml").read_text()
    assert "queue" not in metapackage
    glue = manifest("recurring_billing_queue")
    assert glue["depends"] == ["recurring_billing", "queue_job"]
    assert glue["license"] == "LGPL-3"
    assert glue["installable"] and not glue.get("auto_install")
    _wheel, metadata = build_wheel("recurring_billing_queue", tmp_path)
    requires = metadata.get_all("Requires-Dist")
    assert "odoo==18.0.*" in requires
    assert "odoo-addon-recurring_billing==18.0.*" in requires
    assert "odoo-addon-queue_job==18.0.*" in requires
