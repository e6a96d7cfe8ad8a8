"""Template benchmarks against a real threaded Odoo server (the `make run` configuration), started by the
end-to-end harness (harness/wacrm_harness) on a fresh copy of the installed database, with the Meta sandbox in
process serving the templates.

    /var/tmp/whatsapp_crm/venv/bin/python bench/bench_templates.py           # ~1-2 minutes
    ... bench/bench_templates.py --templates 3000 --runs 50                    # see --help

(a) sync of N templates (default 1,000; a mix of positional and named, text/image/document headers, URL,
    copy-code and quick-reply buttons, three languages): "Sync Templates" as a manager would press it
    (`whatsapp.template.action_whatsapp_sync` over JSON-RPC), from an empty table — every page of
    `GET /{waba-id}/message_templates` at 100 per page, rows and variables created — then again with nothing
    changed, then again after 5 % of the templates were edited at Meta. Target: first sync ≤ 5 s.
(b) opening the send dialog in a conversation with those templates: `discuss.channel.whatsapp_template_picker`
    (what the dialog calls when it opens), then with a search, then `whatsapp_template_form` of one template
    (what it calls when the attendant picks one), as an attendant over JSON-RPC on one keep-alive connection.
    Target: picker p95 ≤ 200 ms. Each latency is also given as a ratio to `GET /web/health` p50 measured on
    the same server in the same run (the cost of any request on this machine at this moment).

Prints a table and saves bench/results/templates-<time>.json (and templates-latest.json).
"""

import argparse
import datetime
import http.client
import os
import platform
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent

from bench_queue import JsonRpcSession, clear_foreign_cron_triggers, create_attendant  # noqa: E402

import wacrm_harness as harness  # noqa: E402
from bench import latency_row, save_results, summary  # noqa: E402
from wacrm_harness import CpuMeter, Stack, WebhookClient  # noqa: E402

RESULTS_DIR = BENCH_DIR / "results"
TARGETS = {"sync_seconds": 5, "picker_p95_ms": 200}
LANGUAGES = ("pt_BR", "en_US", "es")
URL_BUTTON = {"type": "URL", "text": "Ver pedido", "url": "https://loja.example/pedido/{{1}}",
              "example": ["https://loja.example/pedido/4521"]}


def seed_templates(state, count):
    """``count`` approved templates shaped like a real business's: every fifth one named, a third with a
    header, buttons on half of them, spread over three languages."""
    for index in range(count):
        named = index % 5 == 0
        body = ("Olá {{nome}}, seu pedido {{pedido}} foi atualizado. Protocolo {{protocolo}}." if named else
                "Olá {{1}}, seu pedido {{2}} foi atualizado em {{3}}. Qualquer dúvida, responda esta mensagem.")
        header = (None, "Pedido atualizado", {"format": "IMAGE"}, None, {"format": "DOCUMENT"}, None)[index % 6]
        buttons = ([URL_BUTTON, "Falar com atendente"] if index % 4 == 0 else
                   [{"type": "COPY_CODE", "example": "PROMO10"}] if index % 4 == 1 else None)
        state.add_template(f"modelo_{index // len(LANGUAGES):04d}", language=LANGUAGES[index % len(LANGUAGES)],
                           category=("UTILITY", "MARKETING")[index % 2], body=body, header=header,
                           buttons=buttons, parameter_format="NAMED" if named else "POSITIONAL",
                           footer="Loja Exemplo" if index % 3 == 0 else None)


def health_latencies(server, runs):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    latencies = []
    try:
        for _ in range(runs):
            started = time.perf_counter()
            conn.request("GET", "/web/health")
            response = conn.getresponse()
            response.read()
            latencies.append(time.perf_counter() - started)
    finally:
        conn.close()
    return latencies


def timed_sync(session, stack, label):
    meter = CpuMeter(stack.server).start()
    result, seconds = session.call_kw("whatsapp.template", "action_whatsapp_sync", [])
    cpu = meter.stop()
    params = result["params"]
    if params["type"] != "success":
        raise harness.HarnessError(f"sync {label} failed: {params['message']}")
    return {"seconds": round(seconds, 3), "result": params["message"], "server_cpu_seconds": cpu["server_cpu_seconds"],
            "postgres_cpu_seconds": cpu["postgres_cpu_seconds"], "machine_busy_percent": cpu["machine_busy_percent"]}


def bench_sync(stack, count):
    seed_templates(stack.sandbox.state, count)
    session = JsonRpcSession(stack.server).authenticate("admin", "admin")   # admin is a WhatsApp manager
    try:
        first = timed_sync(session, stack, "from empty")
        rows = stack.probe.scalar("SELECT count(*) FROM whatsapp_template WHERE active")
        variables = stack.probe.scalar("SELECT count(*) FROM whatsapp_template_variable")
        if rows != count:
            raise harness.HarnessError(f"{rows} templates synced, {count} expected")
        unchanged = timed_sync(session, stack, "unchanged")
        edited = 0
        for template in stack.sandbox.state.list_templates(harness.ACCOUNT["waba_id"])[::20]:
            stack.sandbox.state.edit_template(template["name"], template["language"],
                                              body="Olá {{1}}, novidades sobre o pedido {{2}}."
                                              if template["parameter_format"] == "POSITIONAL"
                                              else "Olá {{nome}}, novidades sobre o pedido {{pedido}}.")
            edited += 1
        changed = timed_sync(session, stack, "5% edited")
    finally:
        session.close()
    return {"templates": count, "pages": -(-count // 100), "variables": variables, "edited": edited,
            "first_sync": first, "unchanged_sync": unchanged, "edited_sync": changed}


def bench_picker(stack, runs, warmup):
    _uid, _partner_id, password = create_attendant(stack, "bench_templates")
    customer = stack.customer(harness.unique_wa_id("templates"), "Maria Bench")
    first = customer.text("Olá, preciso de ajuda", send=False)
    client = WebhookClient(stack.server)
    if client.post(first.payload)[0] != 200:
        raise harness.HarnessError("the customer's message was refused")
    client.close()
    stack.probe.wait_processed([first.wamid], timeout=60)
    channel_id = stack.probe.scalar("SELECT channel_id FROM whatsapp_message WHERE wamid = %s", [first.wamid])
    template_id = stack.probe.scalar("SELECT id FROM whatsapp_template WHERE status = 'approved' AND "
                                     "header_format = 'image' ORDER BY id LIMIT 1")
    session = JsonRpcSession(stack.server).authenticate("bench_templates", password)
    calls = {
        "picker (opening)": ("whatsapp_template_picker", [[channel_id]], {"search": "", "limit": 50}),
        "picker (search)": ("whatsapp_template_picker", [[channel_id]], {"search": "modelo_01", "limit": 50}),
        "form (pick one)": ("whatsapp_template_form", [[channel_id], template_id], {}),
    }
    figures, checks = {}, {}
    try:
        for name, (method, args, kwargs) in calls.items():
            for _ in range(warmup):
                session.call_kw("discuss.channel", method, args, kwargs)
            latencies = []
            meter = CpuMeter(stack.server).start()
            for _ in range(runs):
                result, seconds = session.call_kw("discuss.channel", method, args, kwargs)
                latencies.append(seconds)
            cpu = meter.stop()
            figures[name] = dict(summary(latencies), server_cpu_ms_per_call=round(
                cpu["server_cpu_seconds"] / runs * 1000, 2))
            if method == "whatsapp_template_picker":
                checks[name] = {"offered": result["total"], "returned": len(result["templates"])}
    finally:
        session.close()
    health = summary(health_latencies(stack.server, max(runs, 100)))
    for name in figures:
        figures[name]["ratio_to_health_p50"] = round(figures[name]["p50_ms"] / health["p50_ms"], 1)
    return {"runs": runs, "calls": figures, "health": health, "checks": checks}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--templates", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=30, help="timed calls per picker measurement")
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()
    results = {"started_at": datetime.datetime.now().isoformat(timespec="seconds"),
               "machine": {"cpus": os.cpu_count(), "loadavg_before": os.getloadavg(),
                           "python": platform.python_version()}}
    with Stack(mode="threaded", label="templates") as stack:
        clear_foreign_cron_triggers(stack.probe)
        results["sync"] = bench_sync(stack, args.templates)
        results["picker"] = bench_picker(stack, args.runs, args.warmup)
    results["machine"]["loadavg_after"] = os.getloadavg()
    save_results(results, "templates")
    report(results)


def report(results):
    sync, picker = results["sync"], results["picker"]
    print(f"\nTemplates — machine: {results['machine']['cpus']} CPUs, load average before "
          f"{results['machine']['loadavg_before'][0]:.2f}, after {results['machine']['loadavg_after'][0]:.2f}")
    print(f"(a) sync of {sync['templates']} templates ({sync['pages']} pages, {sync['variables']} variables), "
          f"target ≤ {TARGETS['sync_seconds']} s")
    for key, label in (("first_sync", "from empty"), ("unchanged_sync", "nothing changed"),
                       ("edited_sync", f"{sync['edited']} edited at Meta")):
        row = sync[key]
        print(f"    {label:22} {row['seconds']:7.2f} s   Odoo CPU {row['server_cpu_seconds']:.2f} s, "
              f"PostgreSQL CPU {row['postgres_cpu_seconds']:.2f} s, machine busy {row['machine_busy_percent']}%  "
              f"[{row['result']}]")
    width = 18
    print(f"(b) send dialog with {sync['templates']} templates, {picker['runs']} calls each, "
          f"target picker p95 ≤ {TARGETS['picker_p95_ms']} ms")
    print(f"    {'':{width}}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}   ms   CPU/call  × health p50")
    for name, figures in picker["calls"].items():
        print(latency_row(name, figures, width) + f"   {figures['server_cpu_ms_per_call']:7.1f} ms"
              f"   {figures['ratio_to_health_p50']:6.1f}")
    print(latency_row("GET /web/health", picker["health"], width))
    for name, check in picker["checks"].items():
        print(f"    {name}: {check['offered']} offered (one language per template), {check['returned']} returned")


if __name__ == "__main__":
    main()
