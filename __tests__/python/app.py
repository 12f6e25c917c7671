"""The homelab app (main.ts) in Python, on the cdk8s-nats wheel, for three deployments.

    python app.py homelab|cluster|production OUTDIR

__tests__/package.test.ts runs it in a fresh venv and compares every manifest with the TypeScript app's.
"""
import sys

from cdk8s import App, Chart
from cdk8s_nats import (
    CertManagerIssuerKind, DeliverPolicy, JetStream, NatsAccount, NatsChart, NatsUser, SecurityProfile, StorageType,
)

PROFILES = {
    "homelab": {},
    "cluster": {"replicas": 3},
    "production": {
        "replicas": 3,
        "security": SecurityProfile.PRODUCTION,
        "client_mutual_tls": True,
        "cert_manager_issuer": "nats-ca",
        "cert_manager_issuer_kind": CertManagerIssuerKind.CLUSTER_ISSUER,
        "accounts": [NatsAccount(name="APP", max_file_store="5Gi"), NatsAccount(name="SYS")],
        "system_account": "SYS",
        "users": [
            NatsUser(name="app", account="APP", password_secret_name="nats-users", password_secret_key="app"),
            NatsUser(name="admin", account="SYS", password_secret_name="nats-users", password_secret_key="admin"),
        ],
        "nats_box_user": "app",
        "client_namespaces": ["jupyterhub"],
        "monitoring_namespace": "monitoring",
    },
}


def synth(profile: str, outdir: str) -> App:
    app = App(outdir=outdir)
    chart = NatsChart(app, "nats", **PROFILES[profile])
    nats = chart.nats
    streams = Chart(app, "streams", namespace=chart.namespace, disable_resource_name_hashes=True)
    stream = JetStream(streams, "JetStream", nats=nats).add_stream(
        "MyStream", name="MY_STREAM", subjects=["events.>"], storage=StorageType.FILE, replicas=nats.replicas)
    stream.add_consumer("MyConsumer", durable_name="MY_CONSUMER", filter_subjects=["events.user.>"],
                        deliver_policy=DeliverPolicy.ALL)
    app.synth()
    return app


if __name__ == "__main__":
    synth(sys.argv[1], sys.argv[2])
