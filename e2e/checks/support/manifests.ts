/** The synthesized objects of a `cdk8s synth` output directory, parsed with `yaml`: where the checks get names. */
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';

export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { name: string; namespace?: string; labels?: { [k: string]: string }; annotations?: { [k: string]: string } };
  readonly [key: string]: any;
}

export class Manifests {
  /** Reads every `*.yaml` file of `dir`, in the order `kubectl apply -f dir` takes them. */
  public static read(dir: string): Manifests {
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().map((f) => path.join(dir, f));
    const objects: K8sObject[] = [];
    for (const file of files) {
      for (const doc of parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
        const o = doc.toJS();
        if (o && typeof o === 'object' && o.kind) objects.push(o as K8sObject);
      }
    }
    return new Manifests(dir, files, objects);
  }

  private constructor(public readonly dir: string, public readonly files: string[], public readonly objects: K8sObject[]) {}

  public ofKind(kind: string): K8sObject[] {
    return this.objects.filter((o) => o.kind === kind);
  }

  /** The one object of `kind` (matching `filter`); throws naming the directory when there is none. */
  public one(kind: string, filter: (o: K8sObject) => boolean = () => true): K8sObject {
    const found = this.ofKind(kind).filter(filter);
    if (found.length === 0) throw new Error(`${this.dir} holds no ${kind}${filter.length ? ' matching the check' : ''}`);
    return found[0];
  }

  public find(kind: string, filter: (o: K8sObject) => boolean = () => true): K8sObject | undefined {
    return this.ofKind(kind).find(filter);
  }
}
