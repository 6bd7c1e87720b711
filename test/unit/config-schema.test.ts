import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildJsonSchema, jsonSchemaText, SCHEMA_FILE } from '../../src/config/gen-schema.js';

describe('config/hotswap.schema.json', () => {
  it('matches the schema hotswap validates with', () => {
    const onDisk: unknown = JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8'));
    expect(onDisk, 'config/hotswap.schema.json is stale: run `npm run build && npm run gen:schema`').toEqual(buildJsonSchema());
  });

  it('is written exactly as the generator writes it', () => {
    expect(fs.readFileSync(SCHEMA_FILE, 'utf8') === jsonSchemaText(), 'formatting differs: run `npm run gen:schema`').toBe(true);
  });

  it('lets a config file name its schema and refuses unknown keys', () => {
    const schema = buildJsonSchema() as { properties: Record<string, unknown>; additionalProperties: unknown };
    expect(schema.properties).toHaveProperty('$schema');
    expect(schema.additionalProperties).toBe(false);
  });
});
