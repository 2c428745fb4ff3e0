import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Input from '@cloudscape-design/components/input';
import Modal from '@cloudscape-design/components/modal';
import RadioGroup from '@cloudscape-design/components/radio-group';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Textarea from '@cloudscape-design/components/textarea';
import { type ReactNode, useState } from 'react';
import type { ApiResult } from '../api.ts';
import { needsFormError, placeReasons } from './field-reasons.ts';

export type ActionField =
  | { name: string; label: string; kind: 'text' | 'textarea' | 'date' | 'number'; description?: string }
  | {
      name: string;
      label: string;
      kind: 'choice';
      options: { value: string; label: string; description?: string }[];
    };

export interface ActionSpec {
  title: string;
  /** What confirming will do, in words: shown above the fields. */
  consequence: ReactNode;
  confirmLabel: string;
  fields: ActionField[];
  initial?: Record<string, string>;
  /** Whether a field is shown given the values so far (e.g. the new rate only for a revision). */
  visible?: (name: string, values: Record<string, string>) => boolean;
  submit(values: Record<string, string>): Promise<ApiResult<unknown>>;
}

/**
 * One confirmation dialog for every lifecycle action: the consequence in words, the fields the API asks for,
 * and the API's own field reasons shown under each field when it refuses.
 */
export function ActionModal({
  spec,
  onClose,
  onDone,
}: {
  spec: ActionSpec;
  onClose(): void;
  onDone(): void;
}) {
  const [values, setValues] = useState<Record<string, string>>(spec.initial ?? {});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const shown = spec.fields.filter((field) => spec.visible?.(field.name, values) ?? true);
  async function confirm() {
    setBusy(true);
    setFormError(undefined);
    const result = await spec.submit(values);
    setBusy(false);
    if (result.ok) {
      onDone();
      return;
    }
    const placed = placeReasons(result.problem, (path) => {
      const top = path.split('.')[0] ?? path;
      return shown.some((item) => item.name === top) ? top : undefined;
    });
    setErrors(placed.byField);
    setFormError(
      needsFormError(placed)
        ? [result.problem.message, ...placed.unplaced.map(({ field, reason }) => `${field} ${reason}`)].join(
            ' ',
          )
        : undefined,
    );
  }
  const set = (name: string, value: string) => setValues((previous) => ({ ...previous, [name]: value }));
  return (
    <Modal
      visible
      onDismiss={onClose}
      closeAriaLabel="Close dialog"
      header={spec.title}
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" onClick={onClose}>
              Cancel
            </Button>
            <Button variant="primary" loading={busy} onClick={() => void confirm()}>
              {spec.confirmLabel}
            </Button>
          </SpaceBetween>
        </Box>
      }
    >
      <Form errorText={formError}>
        <SpaceBetween size="m">
          <Box>{spec.consequence}</Box>
          {shown.map((field) => (
            <FormField
              key={field.name}
              label={field.label}
              description={'description' in field ? field.description : undefined}
              errorText={errors[field.name]}
            >
              {field.kind === 'choice' ? (
                <RadioGroup
                  value={values[field.name] ?? null}
                  items={field.options}
                  onChange={({ detail }) => set(field.name, detail.value)}
                />
              ) : field.kind === 'textarea' ? (
                <Textarea
                  value={values[field.name] ?? ''}
                  onChange={({ detail }) => set(field.name, detail.value)}
                  rows={4}
                />
              ) : (
                <Input
                  type={field.kind === 'number' ? 'number' : 'text'}
                  inputMode={field.kind === 'number' ? 'decimal' : undefined}
                  placeholder={field.kind === 'date' ? 'YYYY-MM-DD' : undefined}
                  value={values[field.name] ?? ''}
                  onChange={({ detail }) => set(field.name, detail.value)}
                />
              )}
            </FormField>
          ))}
        </SpaceBetween>
      </Form>
    </Modal>
  );
}
