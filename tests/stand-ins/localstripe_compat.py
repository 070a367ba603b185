# A stand-in for Stripe's API in Renewly's tests: the real Stripe API cannot be
# reached from the tests, so they talk to localstripe (PyPI, pinned in
# xtask/localstripe-requirements.txt), a stateful fake of Stripe's API, started
# on a loopback port by tests/support/localstripe.rs. This launcher adds the
# PaymentIntent and Event fields that async-stripe 1.0's typed answers require
# and localstripe 1.15.10 leaves out, and gives `GET /v1/balance` Stripe's
# shape (lists of amounts), which Renewly calls to check a merchant's keys.
"""Start localstripe with the PaymentIntent fields that async-stripe 1.0 (strict typed deserialization) requires.
Usage: venv/bin/python localstripe_compat.py --port 8420 --from-scratch"""
from localstripe import resources, server

PI = resources.PaymentIntent
PI.amount_received = property(lambda s: s.amount if s.status == 'succeeded' else 0)
PI.amount_capturable = property(lambda s: s.amount if s.status == 'requires_capture' else 0)
PI.confirmation_method = property(lambda s: 'automatic')
PI.payment_method_types = property(lambda s: ['card'])

_orig_export = PI._export
def _export(self, expand=None):
    d = _orig_export(self, expand=expand)
    # real Stripe returns latest_charge as an id unless expanded; drop deprecated `charges` list
    if isinstance(d.get('latest_charge'), dict) and 'latest_charge' not in (expand or []):
        d['latest_charge'] = d['latest_charge']['id']
    d.pop('charges', None)
    return d
PI._export = _export

EV = resources.Event
EV.pending_webhooks = property(lambda s: 0)   # required (non-Option) in async-stripe 1.0 Event
EV.request = property(lambda s: None)

BAL = resources.Balance
_orig_balance_export = BAL._export
def _balance_export(self, expand=None):
    d = _orig_balance_export(self, expand=expand)
    for key in ('available', 'pending'):
        if isinstance(d.get(key), dict):
            d[key] = [d[key]]
    d['object'] = 'balance'
    return d
BAL._export = _balance_export

if __name__ == '__main__':
    server.start()
