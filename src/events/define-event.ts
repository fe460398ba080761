import type { z } from 'zod';

/**
 * `notification`: ids only, the consumer calls the API back for details. `state-transfer`: the full state a consumer
 * needs, it never calls back. `fact`: what one step did, with the details of that step.
 */
export type EventStyle = 'notification' | 'state-transfer' | 'fact';

export interface EventVersion {
  version: number;
  schema: z.ZodType;
  /** From the previous version's data to this version's. Absent on v1. */
  upcast?: (previous: unknown) => unknown;
  /** Set on a version that readers of the previous one cannot read: why, and what to deploy first. */
  breaking?: string;
}

/**
 * One event type and every version of its data, oldest first. Versions are only ever added: stored events keep
 * the version they were written with, and readers upcast them to the newest.
 */
export class EventDefinition<Type extends string = string, Latest extends z.ZodType = z.ZodType> {
  constructor(
    readonly type: Type,
    readonly summary: string,
    readonly style: EventStyle,
    readonly versions: readonly EventVersion[],
  ) {}

  get latestVersion(): number {
    return this.versions.length;
  }

  get latestSchema(): Latest {
    return this.versions[this.versions.length - 1]!.schema as Latest;
  }

  schemaOf(version: number): z.ZodType | undefined {
    return this.versions[version - 1]?.schema;
  }

  /** The next version, with the function that turns the previous version's data into it. */
  next<Next extends z.ZodType>(
    version: number,
    schema: Next,
    how: { upcast: (previous: z.output<Latest>) => z.input<Next>; breaking?: string },
  ): EventDefinition<Type, Next> {
    if (version !== this.latestVersion + 1) throw new Error(`${this.type}: v${version} must follow v${this.latestVersion}`);
    const added: EventVersion = { version, schema, upcast: how.upcast as (previous: unknown) => unknown, breaking: how.breaking };
    return new EventDefinition(this.type, this.summary, this.style, [...this.versions, added]);
  }

  /** This type as a consumer built when `version` was the newest saw it: for testing old readers against new events. */
  asOf(version: number): EventDefinition<Type> {
    return new EventDefinition(this.type, this.summary, this.style, this.versions.slice(0, version));
  }
}

export function defineEvent<Type extends string, First extends z.ZodType>(
  type: Type,
  { summary, style }: { summary: string; style: EventStyle },
  v1: First,
): EventDefinition<Type, First> {
  return new EventDefinition(type, summary, style, [{ version: 1, schema: v1 }]);
}
