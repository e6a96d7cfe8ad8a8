"""The deployment files are parsed and checked: no docker engine runs here to try them."""
import configparser
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def load_compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_the_services_with_health_checks():
    services = load_compose()["services"]
    assert {"db", "odoo", "odoo2", "lb", "minio", "minio-init"} <= set(services)
    for name in ("db", "odoo", "odoo2", "lb", "minio"):
        assert "test" in services[name]["healthcheck"], name
    assert services["odoo"]["build"]["dockerfile"] == "deploy/Dockerfile"
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert "FROM odoo:19" in dockerfile
    assert "--no-deps -r /tmp/whatsapp_crm/requirements-oca.txt" in dockerfile, "the job engine is installed"
    assert services["odoo"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["odoo"]["depends_on"]["minio-init"]["condition"] == "service_completed_successfully"


def test_compose_mounts_the_addons_and_the_config():
    odoo = load_compose()["services"]["odoo"]
    mounts = {volume.split(":")[1]: volume.split(":")[0] for volume in odoo["volumes"]}
    assert mounts["/mnt/extra-addons"] == "./addons"
    assert mounts["/etc/odoo/odoo.conf"] == "./odoo.conf"
    assert (ROOT / "addons" / "whatsapp_crm" / "__manifest__.py").is_file()
    assert (ROOT / "addons" / "whatsapp_crm_lgpd" / "__manifest__.py").is_file()


def test_compose_publishes_only_on_loopback():
    for name, service in load_compose()["services"].items():
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), f"{name} publishes {port} on every interface"


def test_compose_creates_the_media_bucket():
    init = load_compose()["services"]["minio-init"]
    assert "mc mb --ignore-existing" in init["entrypoint"]
    assert init["environment"]["MINIO_BUCKET"]


def test_compose_volumes_are_declared():
    compose = load_compose()
    declared = set(compose["volumes"])
    used = {volume.split(":")[0] for service in compose["services"].values()
            for volume in service.get("volumes", []) if not volume.startswith(".")}
    assert used <= declared


def test_odoo_conf_matches_compose():
    config = configparser.ConfigParser()
    config.read(ROOT / "odoo.conf")
    options = config["options"]
    assert "/mnt/extra-addons" in options["addons_path"].split(",")
    assert options["db_host"] == "db"
    assert options["proxy_mode"] == "True"
    assert options["list_db"] == "False"
    assert int(options["workers"]) >= 2, "prefork is needed for the websocket (gevent) worker"
    assert options["gevent_port"] == "8072"
    assert "queue_job" in options["server_wide_modules"].split(","), "the job runner starts with the server"
    channels = dict(channel.split(":")[:2] for channel in config["queue_job"]["channels"].split(","))
    assert int(channels["root"]) < int(options["workers"]), \
        "jobs run in HTTP workers (root caps them all): some must stay free for webhooks and browsers"
    assert config["queue_job"]["host"] == "lb", "jobs go to the address in front of every instance"


def test_the_balancer_reaches_every_instance():
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    for name in ("odoo", "odoo2"):
        assert f"server {name}:8069;" in nginx and f"server {name}:8072;" in nginx
    assert "8069" in " ".join(load_compose()["services"]["lb"]["ports"])
