import { useId, type ReactNode } from 'react';

interface FieldProps {
  label: string;
  /** Server (or local) messages for this field; shown under it and linked with aria-describedby. */
  errors?: string[];
  hint?: string;
  required?: boolean;
  children: (props: {
    id: string;
    'aria-invalid': boolean | undefined;
    'aria-describedby': string | undefined;
    required?: boolean;
  }) => ReactNode;
  className?: string;
}

/** A labelled form control with its error messages: `<Field label="Nom">{(p) => <input {...p} />}</Field>`. */
export function Field({ label, errors, hint, required, children, className }: FieldProps) {
  const id = useId();
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const hasError = !!errors?.length;
  const describedBy = [hasError ? errorId : '', hint ? hintId : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${hasError ? ' field--error' : ''}${className ? ` ${className}` : ''}`}>
      <label htmlFor={id}>
        {label}
        {required && (
          <span aria-hidden="true" className="required">
            {' '}
            *
          </span>
        )}
      </label>
      {children({ id, 'aria-invalid': hasError || undefined, 'aria-describedby': describedBy, required })}
      {hint && (
        <p id={hintId} className="field-hint">
          {hint}
        </p>
      )}
      {hasError && (
        <p id={errorId} className="field-error">
          {errors!.join(' ')}
        </p>
      )}
    </div>
  );
}
