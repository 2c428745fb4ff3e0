/**
 * What someone with write access to the audit table could do to it, done directly in DynamoDB (no product
 * code): each function is one kind of tampering the verifier must name (functions/domain/audit-chain.ts).
 */
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { AUDIT_HEAD_SEQ, AuditStore } from '../../functions/adapters/dynamodb/audit-store.ts';
import { type AuditEntry, auditEntryHash, chainEntries } from '../../functions/domain/audit-chain.ts';

export class AuditTamperer {
  private readonly store: AuditStore;

  constructor(
    private readonly documentClient: DynamoDBDocumentClient,
    private readonly table: string,
  ) {
    this.store = new AuditStore(documentClient, { auditTrail: table });
  }

  entries(stream: string): Promise<AuditEntry[]> {
    return this.store.entries(stream);
  }

  private put(item: Record<string, unknown>) {
    return this.documentClient.send(new PutCommand({ TableName: this.table, Item: item }));
  }

  private delete(stream: string, seq: number) {
    return this.documentClient.send(new DeleteCommand({ TableName: this.table, Key: { stream, seq } }));
  }

  /** The head item as stored (to be put back as it was). */
  async headItem(stream: string): Promise<Record<string, unknown> | undefined> {
    const { Item } = await this.documentClient.send(
      new GetCommand({ TableName: this.table, Key: { stream, seq: AUDIT_HEAD_SEQ }, ConsistentRead: true }),
    );
    return Item;
  }

  /** Edits one entry's payload in place, leaving its hash as it was. */
  async edit(stream: string, seq: number, details: Record<string, unknown>): Promise<void> {
    const entry = (await this.entries(stream)).find((candidate) => candidate.seq === seq)!;
    await this.put({ ...entry, details: { ...entry.details, ...details } });
  }

  deleteEntry(stream: string, seq: number): Promise<unknown> {
    return this.delete(stream, seq);
  }

  /** Stores entries `a` and `b` at each other's seq (each keeps its own content and hash). */
  async swap(stream: string, a: number, b: number): Promise<void> {
    const entries = await this.entries(stream);
    const first = entries.find((entry) => entry.seq === a)!;
    const second = entries.find((entry) => entry.seq === b)!;
    await this.put({ ...first, seq: b });
    await this.put({ ...second, seq: a });
  }

  /**
   * Inserts a forged entry at `seq`, well formed and linked to the entry before it, and moves the later entries
   * (untouched) one place up, the head with them: what a careful forger does.
   */
  async insert(stream: string, seq: number, forged: Pick<AuditEntry, 'type' | 'actor' | 'details' | 'at'>) {
    const entries = await this.entries(stream);
    for (const entry of [...entries].reverse())
      if (entry.seq >= seq) await this.put({ ...entry, seq: entry.seq + 1 });
    const previous = entries.find((entry) => entry.seq === seq - 1)!;
    const unhashed = { stream, seq, ...forged, prevHash: previous.hash };
    await this.put({ ...unhashed, hash: auditEntryHash(unhashed) });
    const head = (await this.headItem(stream))!;
    await this.put({ ...head, lastSeq: (head.lastSeq as number) + 1 });
  }

  /** Deletes the entries after `keep` and rolls the head back to entry `keep`: consistent inside the table. */
  async truncateAndRollBack(stream: string, keep: number): Promise<void> {
    const entries = await this.entries(stream);
    for (const entry of entries) if (entry.seq > keep) await this.delete(stream, entry.seq);
    const head = (await this.headItem(stream))!;
    const last = entries.find((entry) => entry.seq === keep);
    await this.put({ ...head, lastSeq: keep, lastHash: last!.hash });
  }

  /** Rewrites the whole chain with one entry edited and every hash and the head recomputed. */
  async rewrite(stream: string, seq: number, details: Record<string, unknown>): Promise<void> {
    const entries = await this.entries(stream);
    const drafts = entries.map(({ type, at, actor, details: own }, index) => ({
      type,
      at,
      actor,
      details: index + 1 === seq ? { ...own, ...details } : own,
    }));
    const rechained = chainEntries(stream, undefined, drafts).entries;
    for (const entry of rechained) await this.put({ ...entry });
    const head = (await this.headItem(stream))!;
    await this.put({ ...head, lastSeq: rechained.at(-1)!.seq, lastHash: rechained.at(-1)!.hash });
  }

  /** Deletes a whole stream: every entry and its head. */
  async deleteStream(stream: string): Promise<void> {
    for (const entry of await this.entries(stream)) await this.delete(stream, entry.seq);
    await this.delete(stream, AUDIT_HEAD_SEQ);
  }

  /** Puts an item back exactly as it was (and deletes one stored under another key). */
  async restore(
    original: Record<string, unknown>,
    strayKey?: { stream: string; seq: number },
  ): Promise<void> {
    if (strayKey) await this.delete(strayKey.stream, strayKey.seq);
    await this.put(original);
  }

  /** Puts any item (a mutated entry, as the property test makes). */
  putRaw(item: Record<string, unknown>): Promise<unknown> {
    return this.put(item);
  }
}
