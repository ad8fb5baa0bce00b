import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/react';
import { TRPCClientError } from '@trpc/client';
import { Field } from './Field';
import { FormShell } from './FormShell';

describe('Field', () => {
  it('links the label and the server messages to the control', () => {
    render(
      <Field label="Téléphone" errors={['Numéro de téléphone invalide.']}>
        {(p) => <input {...p} />}
      </Field>,
    );
    const input = screen.getByLabelText('Téléphone');
    expect(input.getAttribute('aria-invalid')).toBe('true');
    const described = document.getElementById(input.getAttribute('aria-describedby')!);
    expect(described?.textContent).toBe('Numéro de téléphone invalide.');
  });
  it('is plain without errors', () => {
    render(<Field label="Nom">{(p) => <input {...p} />}</Field>);
    expect(screen.getByLabelText('Nom').getAttribute('aria-invalid')).toBeNull();
  });
});

describe('FormShell', () => {
  it('summarises a validation error and lists messages of fields the form does not show', () => {
    const error = new TRPCClientError('Données invalides.', {
      result: {
        error: {
          message: 'Données invalides.',
          code: -32600,
          data: { code: 'BAD_REQUEST', fieldErrors: { nom: ['Obligatoire.'], nonFieldErrors: ['Conflit de dates.'] } },
        },
      } as never,
    });
    render(
      <FormShell onSubmit={() => {}} error={error} shownFields={['nom']} busy={false}>
        <span />
      </FormShell>,
    );
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('corrigez les champs signalés');
    expect(alert.textContent).toContain('Conflit de dates.');
    expect(alert.textContent).not.toContain('Obligatoire.');
  });
});
