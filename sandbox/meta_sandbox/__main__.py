"""``meta-sandbox`` command line: ``serve`` (Graph fake + customer page + demo) and ``send`` (one webhook)."""

import argparse
import logging
import signal
import sys
import threading

from . import simulator
from .demo import run_demo, seed_demo_templates, wait_for_webhook

MESSAGE_TYPES = ("text", "image", "audio", "voice", "video", "document", "sticker", "location", "contacts",
                 "button", "button_reply", "list_reply", "reaction", "unsupported")


def _add_business_options(parser, *, webhook_required):
    parser.add_argument("--webhook-url", required=webhook_required,
                        help="the helpdesk's webhook URL (where customer messages and statuses are POSTed)")
    parser.add_argument("--app-secret", default=simulator.DEFAULT_APP_SECRET, help="signs X-Hub-Signature-256")
    parser.add_argument("--phone-number-id", default=simulator.DEFAULT_PHONE_NUMBER_ID)
    parser.add_argument("--waba-id", default=simulator.DEFAULT_WABA_ID)
    parser.add_argument("--display-phone-number", default=simulator.DEFAULT_DISPLAY_PHONE_NUMBER)


def build_parser():
    parser = argparse.ArgumentParser(prog="meta-sandbox", description="A local fake of Meta's WhatsApp Cloud API.")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the Graph API fake and the customer page in the foreground")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8070)
    _add_business_options(serve, webhook_required=False)
    serve.add_argument("--verify-token", default=simulator.DEFAULT_VERIFY_TOKEN)
    serve.add_argument("--token", default=simulator.DEFAULT_TOKEN, help="the bearer token Graph calls must use")
    serve.add_argument("--auto-status", action="store_true",
                       help="answer each accepted message with sent/delivered/read webhooks")
    serve.add_argument("--demo", action="store_true",
                       help="once the webhook answers the handshake, play a short scripted conversation "
                            "(implies --auto-status)")
    serve.add_argument("--media-url-ttl", type=float, default=300.0, help="lifetime of media download URLs (s)")

    send = commands.add_parser("send", help="POST one signed customer message to a webhook")
    _add_business_options(send, webhook_required=True)
    send.add_argument("--from", dest="wa_id", default="5511987654321", help="the customer's wa_id")
    send.add_argument("--name", default="Maria Oliveira")
    send.add_argument("--type", default="text", choices=MESSAGE_TYPES)
    send.add_argument("--text", default="Olá!", help="text body, caption, button title or button text")
    send.add_argument("--reply-to", help="wamid the message quotes (context)")
    send.add_argument("--message-id", help="wamid a reaction targets")
    send.add_argument("--emoji", default="👍", help="reaction emoji ('' removes the reaction)")
    send.add_argument("--filename", default="documento.pdf")
    send.add_argument("--latitude", type=float, default=-23.5614)
    send.add_argument("--longitude", type=float, default=-46.6559)
    return parser


def _sandbox(args, **extra):
    return simulator.Sandbox(
        webhook_url=args.webhook_url, app_secret=args.app_secret, phone_number_id=args.phone_number_id,
        waba_id=args.waba_id, display_phone_number=args.display_phone_number, **extra)


def send_one(customer, args):
    """Dispatch ``meta-sandbox send --type X`` to the matching Customer method."""
    text, reply = args.text, {"reply_to": args.reply_to}
    actions = {
        "text": lambda: customer.text(text, **reply),
        "image": lambda: customer.image(caption=text, **reply),
        "audio": lambda: customer.audio(voice=False, **reply),
        "voice": lambda: customer.audio(voice=True, **reply),
        "video": lambda: customer.video(caption=text, **reply),
        "document": lambda: customer.document(filename=args.filename, caption=text, **reply),
        "sticker": lambda: customer.sticker(**reply),
        "location": lambda: customer.location(args.latitude, args.longitude, **reply),
        "contacts": lambda: customer.contacts(**reply),
        "button": lambda: customer.button(text, **reply),
        "button_reply": lambda: customer.button_reply("sandbox-button", text, **reply),
        "list_reply": lambda: customer.list_reply("sandbox-row", text, **reply),
        "reaction": lambda: customer.react(args.message_id or args.reply_to or "", args.emoji),
        "unsupported": lambda: customer.unsupported(),
    }
    return actions[args.type]()


def command_send(args):
    sandbox = _sandbox(args)
    delivery = send_one(sandbox.customer(args.wa_id, args.name), args)
    print(f"{delivery.wamid} HTTP {delivery.status_code}")
    return 0 if 200 <= delivery.status_code < 300 else 1


def command_serve(args):
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    sandbox = _sandbox(args, verify_token=args.verify_token, token=args.token, host=args.host, port=args.port,
                       media_url_ttl=args.media_url_ttl, quiet=False)
    seed_demo_templates(sandbox.state)
    sandbox.auto_status = args.auto_status or args.demo
    sandbox.start()
    print(f"Graph API fake:      {sandbox.graph_url()}\n"
          f"Bearer token:        {args.token}\n"
          f"Phone number id:     {args.phone_number_id}   WABA id: {args.waba_id}\n"
          f"Webhook:             {args.webhook_url or '(none: customers cannot write)'}\n"
          f"Customer simulator:  {sandbox.base_url}/", flush=True)
    if args.demo:
        if not args.webhook_url:
            print("--demo needs --webhook-url", file=sys.stderr)
        else:
            threading.Thread(target=_demo, args=(sandbox,), daemon=True, name="meta-sandbox-demo").start()
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
    return 0


def _demo(sandbox):
    if not wait_for_webhook(sandbox):
        logging.getLogger(__name__).error("webhook %s never answered the handshake; demo skipped",
                                          sandbox.webhook_url)
        return
    run_demo(sandbox)


def main(argv=None):
    args = build_parser().parse_args(argv)
    return command_send(args) if args.command == "send" else command_serve(args)


if __name__ == "__main__":
    sys.exit(main())
