import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import validator from 'asl-validator';
import { describe, expect, it } from 'vitest';

const workflowsDir = fileURLToPath(new URL('../../workflows/', import.meta.url));

describe('the workflows in workflows/', () => {
  it('every workflow passes asl-validator (with Lambda ARNs substituted, as CDK deploys them)', async () => {
    const files = (await readdir(workflowsDir)).filter((file) => file.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const text = await readFile(`${workflowsDir}${file}`, 'utf8');
      // What CloudFormation does with definitionSubstitutions: each ${Name} becomes the function's ARN.
      const deployed = text.replace(/\$\{([^}]+)\}/g, 'arn:aws:lambda:us-east-1:123456789012:function:$1');
      const { isValid, errors } = validator(JSON.parse(deployed));
      expect({ file, errors }).toEqual({ file, errors: [] });
      expect(isValid).toBe(true);
    }
  });
});
