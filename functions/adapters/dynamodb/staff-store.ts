import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Role } from '../../config/roles.ts';
import type { StaffMember } from '../../domain/partner.ts';
import { scanAll } from './all-items.ts';
import type { TableNames } from './table-names.ts';
import { isConditionFailed } from './transaction-errors.ts';

/** The vendor's staff directory: who to email for an approval, a dispute, an escalation. */
export class StaffStore {
  constructor(
    private readonly documentClient: DynamoDBDocumentClient,
    private readonly tables: TableNames,
  ) {}

  async get(userId: string): Promise<StaffMember | undefined> {
    const { Item } = await this.documentClient.send(
      new GetCommand({ TableName: this.tables.staff, Key: { userId } }),
    );
    return Item as StaffMember | undefined;
  }

  /** Everyone with `role`; the directory is small (tens of people), so a scan is the simple right answer. */
  async withRole(role: Role): Promise<StaffMember[]> {
    const staff = await scanAll<StaffMember>(this.documentClient, { TableName: this.tables.staff });
    return staff
      .filter((member) => member.roles.includes(role))
      .sort((a, b) => a.userId.localeCompare(b.userId));
  }

  async list(): Promise<StaffMember[]> {
    const staff = await scanAll<StaffMember>(this.documentClient, { TableName: this.tables.staff });
    return staff.sort((a, b) => a.userId.localeCompare(b.userId));
  }

  /** Creates a member unless one exists with that id (seeding is idempotent). */
  async create(member: StaffMember): Promise<boolean> {
    try {
      await this.documentClient.send(
        new PutCommand({
          TableName: this.tables.staff,
          Item: member,
          ConditionExpression: 'attribute_not_exists(userId)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }
}
