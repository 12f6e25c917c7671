import { Duration, Testing } from 'cdk8s';
import { Nats, NatsChart, NatsProps } from '../lib';

const synthWith = (props: NatsProps) => () => new Nats(Testing.chart(), 'nats', props);

describe('every invalid input is refused at synth time with the value and what is valid', () => {
  test.each([
    [{ replicas: 0 }, 'replicas must be a whole number of at least 1, got 0'],
    [{ replicas: 1.5 }, 'replicas must be a whole number, got 1.5'],
    [{ replicas: 2 }, 'replicas must be odd (1, 3 or 5): JetStream clustering needs a majority, and 2 servers lose quorum on a single failure, got 2'],
    [{ replicas: 4 }, 'replicas must be odd (1, 3 or 5)'],
    [{ storageSize: 'ten gigs' }, 'storageSize must be a whole number of bytes written as a Kubernetes quantity such as "10Gi", "512Mi" or "1G", got "ten gigs"'],
    [{ storageSize: '10GiB' }, 'storageSize must be a whole number of bytes written as a Kubernetes quantity such as "10Gi", "512Mi" or "1G", got "10GiB"'],
    [{ storageSize: '500Mi' }, 'storageSize must be at least 1Gi, got "500Mi"'],
    [{ maxMemoryStore: '1Mi' }, 'maxMemoryStore must be at least 16Mi, got "1Mi"'],
    [{ maxMemoryStore: 'lots' }, 'maxMemoryStore must be a whole number of bytes written as a Kubernetes quantity'],
    [{ maxMemoryStore: '900Mi', memoryRequest: '1Gi', memoryLimit: '1Gi' }, 'maxMemoryStore must be at most 75% of memoryLimit (768Mi), or the server is killed before the store is full, got "900Mi"'],
    [{ maxMemoryStore: '64Mi' }, 'maxMemoryStore needs memoryLimit: the memory store lives in the server\'s memory, and without a limit (and GOMEMLIMIT) a full store takes the node\'s memory; set memoryLimit to at least 85.33Mi, got maxMemoryStore "64Mi" and no memoryLimit'],
    [{ maxMemoryStore: '512Mi', memoryLimit: '1Gi' }, 'maxMemoryStore must be at most memoryRequest ("256Mi"): the scheduler reserves only the request for the store, got "512Mi"'],
    [{ replicas: 7 }, 'replicas must be at most 5: a stream keeps at most 5 copies and more servers only add RAFT traffic (join clusters with gateways to grow further), got 7'],
    [{ clientPort: 443 }, 'clientPort must be from 1024 to 65535: the server runs as non-root without capabilities and cannot bind a privileged port, got 443'],
    [{ storageSize: '1Ei' }, 'storageSize is beyond the largest size this library handles (2^53 - 1 bytes, just under 8Pi), got "1Ei"'],
    [{ storageSize: '-10Gi' }, 'storageSize must not be negative, got "-10Gi"'],
    [{ maxPayload: '0.5' }, 'maxPayload must be a whole number of bytes, got "0.5" (0.5 bytes)'],
    [{ image: 'nats:latest' }, 'image must name a fixed tag or digest, such as "nats:2.15.3-alpine" or "nats@sha256:<64 hex digits>" ("latest" moves), got "nats:latest"'],
    [{ image: 'Harbor.example.com/Library/nats:2.14.10' }, 'image must be an image reference (lowercase repository path, optional registry host, then :tag or @sha256:digest)'],
    [{ image: 'harbor.example.com//nats:2.14.10' }, 'image must be an image reference'],
    [{ memoryStoreSize: '64Mi' } as NatsProps, 'memoryStoreSize was renamed maxMemoryStore in 0.3.0: set maxMemoryStore instead, got memoryStoreSize "64Mi"'],
    [{ memoryRequest: '32Mi' }, 'memoryRequest must be at least 64Mi, got "32Mi"'],
    [{ memoryLimit: '128Mi' }, 'memoryLimit must be at least memoryRequest ("256Mi"), got "128Mi"'],
    [{ cpuRequest: '-1' }, 'cpuRequest must be a positive CPU quantity such as "100m", "0.5" or "2", got "-1"'],
    [{ cpuLimit: '50m' }, 'cpuLimit must be at least cpuRequest ("100m"), got "50m"'],
    [{ storageSize: '10Gi', maxFileStore: '11Gi' }, 'maxFileStore must be at most 95% of storageSize ("10Gi", 9.5Gi): the filesystem needs headroom, or the volume fills before JetStream\'s limit, got "11Gi"'],
    [{ storageSize: '10Gi', maxFileStore: '10Gi' }, 'maxFileStore must be at most 95% of storageSize ("10Gi", 9.5Gi)'],
    [{ maxFileStore: '1Mi' }, 'maxFileStore must be at least 256Mi, got "1Mi"'],
    [{ maxPayload: '100Mi' }, 'maxPayload must be from 1 byte to 64Mi (nats-server\'s hard limit), got "100Mi"'],
    [{ name: 'NATS' }, 'name must be a DNS-1123 label (lowercase letters, digits and \'-\', starting and ending with a letter or digit), got "NATS"'],
    [{ name: 'n'.repeat(53) }, `name must be at most 52 characters (the StatefulSet controller-revision-hash label must fit 63), got 53 ("${'n'.repeat(53)}")`],
    [{ storageClassName: 'Fast_SSD' }, 'storageClassName must be a DNS-1123 subdomain (lowercase letters, digits, \'-\' and \'.\', at most 253 characters), got "Fast_SSD"'],
    [{ clientPort: 0 }, 'clientPort must be an integer from 1 to 65535, got 0'],
    [{ monitorPort: 70000 }, 'monitorPort must be an integer from 1 to 65535, got 70000'],
    [{ clusterPort: 4222 }, 'clusterPort and clientPort must be different ports, both are 4222'],
    [{ monitorPort: 6222 }, 'monitorPort and clusterPort must be different ports, both are 6222'],
    [{ image: 'nats' }, 'image must name a fixed tag or digest, such as "nats:2.15.3-alpine" or "nats@sha256:<64 hex digits>" ("latest" moves), got "nats"'],
    [{ image: 'harbor.example.com:5000/library/nats' }, 'image must name a fixed tag or digest, such as "nats:2.15.3-alpine" or "nats@sha256:<64 hex digits>" ("latest" moves), got "harbor.example.com:5000/library/nats"'],
    [{ natsBoxImage: 'natsio/nats-box' }, 'natsBoxImage must name a fixed tag or digest'],
    [{ registry: 'https://harbor.example.com/library' }, 'registry must be a registry host with an optional port and lowercase path, no scheme or trailing \'/\', such as "harbor.example.com/library", got "https://harbor.example.com/library"'],
    [{ registry: 'harbor.example.com/library/' }, 'registry must be a registry host with an optional port and lowercase path, no scheme'],
    [{ imagePullSecrets: ['Harbor Creds'] }, 'imagePullSecrets entry must be a DNS-1123 subdomain'],
    [{ serverNamePrefix: 'East_' }, 'serverNamePrefix must be lowercase letters, digits and \'-\', got "East_"'],
    [{ runAsUser: 0 }, 'runAsUser must be a non-root id from 1 to 2147483647, got 0'],
    [{ lameDuckDuration: Duration.seconds(10), lameDuckGracePeriod: Duration.seconds(10) }, 'lameDuckGracePeriod must be shorter than lameDuckDuration (10s), got 10s'],
    [{ lameDuckDuration: Duration.millis(1500) }, 'lameDuckDuration must be a positive whole number of seconds, got 1500ms'],
    [{ extraConfig: { port: 4333 } }, 'extraConfig key "port" is managed by the construct or not supported: the client port is clientPort'],
  ] as Array<[NatsProps, string]>)('%j', (props, message) => {
    expect(synthWith(props)).toThrow(message);
  });

  test('valid edge values pass', () => {
    for (const props of [
      { replicas: 5 }, { storageSize: '1Gi' }, { image: 'harbor.example.com:5000/library/nats:2.15.3-alpine' },
      { image: `nats@sha256:${'a'.repeat(64)}` }, { name: 'n'.repeat(52) }, { maxFileStore: '9.5Gi' }, { clientPort: 1024 },
    ] as NatsProps[]) {
      expect(synthWith(props)).not.toThrow();
    }
  });

  test('the namespace of a NatsChart', () => {
    expect(() => new NatsChart(Testing.app(), 'nats', { namespace: 'My NS' }))
      .toThrow('namespace must be a DNS-1123 label (lowercase letters, digits and \'-\', starting and ending with a letter or digit), got "My NS"');
  });
});
