"""Demo content for ``meta-sandbox serve --demo``: pt_BR templates and a short scripted conversation."""

import logging
import time

import requests

_logger = logging.getLogger(__name__)

DEMO_TEMPLATES = (
    {"name": "boas_vindas", "category": "UTILITY",
     "body": "Olá {{1}}! Recebemos sua mensagem e um atendente vai responder em breve."},
    {"name": "retomar_atendimento", "category": "UTILITY",
     "body": "Olá {{1}}, ainda podemos ajudar com o atendimento {{2}}?", "buttons": ["Sim", "Não, obrigado"]},
    {"name": "pesquisa_satisfacao", "category": "MARKETING", "header": "Pesquisa de satisfação",
     "body": "{{1}}, como você avalia o nosso atendimento?", "buttons": ["Ótimo", "Regular", "Ruim"],
     "footer": "Responda quando puder"},
    # The welcome message with the privacy policy (LGPD): named parameters, the link a company setting.
    {"name": "boas_vindas_privacidade", "category": "UTILITY", "parameter_format": "NAMED",
     "body": "Olá {{nome}}! Antes de começarmos: veja como tratamos seus dados em {{link_privacidade}}.",
     "footer": "Filarmônica"},
    {"name": "lembrete_concerto", "category": "MARKETING", "header": {"format": "IMAGE"},
     "body": "Olá {{1}}! O concerto {{2}} é neste sábado às 20h. Seu ingresso está garantido.",
     "buttons": [{"type": "URL", "text": "Ver ingresso", "url": "https://ingressos.example/i/{{1}}",
                  "example": ["https://ingressos.example/i/abc123"]}, "Confirmo presença"]},
)


def seed_demo_templates(state):
    """Register the demo templates (approved, pt_BR) on a state."""
    return [state.add_template(language="pt_BR", **template) for template in DEMO_TEMPLATES]


def wait_for_webhook(sandbox, timeout=120.0, interval=1.0):
    """Poll Meta's GET handshake until the receiver answers 200 (Odoo may still be starting)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if sandbox.handshake().status_code == 200:
                return True
        except requests.RequestException:
            pass
        time.sleep(interval)
    return False


def _latest_answer_to(sandbox, wa_id):
    answers = [sent for sent in sandbox.state.sent if sent.recipient_id == wa_id]
    return answers[-1].wamid if answers else None


def run_demo(sandbox, pause=1.0):
    """Three customers write in Portuguese: texts, a reply, a location and a reaction, ``pause`` s apart."""
    maria = sandbox.customer("5511987654321", "Maria Oliveira")
    joao = sandbox.customer("5521998765432", "João Pereira")
    ana = sandbox.customer("553188776655", "Ana Souza")   # legacy 12-digit form: Meta settles the 9th digit
    steps = [
        lambda: maria.text("Olá! Meu pedido 4521 ainda não chegou. Vocês podem verificar?"),
        lambda: joao.text("Bom dia, gostaria de trocar o tamanho de uma camiseta que comprei."),
        lambda: maria.text("Esqueci de dizer: comprei no dia 12, pelo site.", reply_to=deliveries[0].wamid),
        lambda: ana.text("Oi, vocês entregam neste endereço?"),
        lambda: ana.location(-19.9245, -43.9352, "Praça da Liberdade", "Praça da Liberdade, Belo Horizonte - MG"),
        # React to the helpdesk's latest answer if there is one yet, else to João's own first message.
        lambda: joao.react(_latest_answer_to(sandbox, joao.wa_id) or deliveries[1].wamid, "🙏"),
    ]
    deliveries = []
    for step in steps:
        delivery = step()
        deliveries.append(delivery)
        _logger.info("demo message %s -> HTTP %s", delivery.wamid, delivery.status_code)
        time.sleep(pause)
    return deliveries
