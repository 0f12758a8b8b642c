import { forwardRef, type FormEvent, type KeyboardEvent } from 'react';

import type { ChatPhase } from '@/hooks/use-chat';

type MessageInputProps = {
  value: string;
  phase: ChatPhase;
  /** Editing an earlier question: sending replaces it. */
  editing: boolean;
  onChange: (value: string) => void;
  onSend: () => void;
  onStop: () => void;
  onCancelEdit: () => void;
};

// keyCode 229 is what browsers report for keys consumed by an input method;
// Safari sends it on the Enter that confirms a composition.
const IME_KEY_CODE = 229;
// Below this the count is noise; above it a long paste shows its size.
const COUNT_FROM = 1000;

export const MessageInput = forwardRef<HTMLTextAreaElement, MessageInputProps>(
  function MessageInput(
    { value, phase, editing, onChange, onSend, onStop, onCancelEdit },
    ref,
  ) {
    const empty = value.trim() === '';

    const submit = () => {
      if (phase === 'idle' && !empty) onSend();
    };

    const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
      if (event.key === 'Escape' && editing) onCancelEdit();
      if (event.key !== 'Enter' || event.shiftKey) return;
      if (event.nativeEvent.isComposing || event.keyCode === IME_KEY_CODE) {
        return;
      }
      event.preventDefault();
      submit();
    };

    const onSubmit = (event: FormEvent) => {
      event.preventDefault();
      submit();
    };

    return (
      <form className="message-input" onSubmit={onSubmit}>
        {editing && (
          <p className="editing-note">
            Editing a question: sending replaces it and the answers after it.
            <button type="button" onClick={onCancelEdit}>
              Cancel edit
            </button>
          </p>
        )}
        <div className="message-input-row">
          <label htmlFor="message-input" className="visually-hidden">
            Message
          </label>
          <p id="message-input-hint" className="visually-hidden">
            Enter sends, Shift+Enter adds a line.
          </p>
          <div className="message-box">
            <textarea
              id="message-input"
              ref={ref}
              rows={1}
              value={value}
              placeholder="Write a message…"
              aria-describedby="message-input-hint message-input-count"
              onChange={(event) => onChange(event.target.value)}
              onKeyDown={onKeyDown}
            />
            {value.length >= COUNT_FROM && (
              <span id="message-input-count" className="char-count">
                {value.length.toLocaleString('en')} characters
              </span>
            )}
          </div>
          {/* Distinct keys: were the Stop button reused as Send, the click
              that stops would go on to submit the form once it is a submit
              button. */}
          {phase === 'streaming' ? (
            <button
              key="stop"
              type="button"
              className="stop-button"
              onClick={onStop}
            >
              Stop
            </button>
          ) : (
            <button
              key="send"
              type="submit"
              disabled={empty || phase !== 'idle'}
            >
              Send
            </button>
          )}
        </div>
      </form>
    );
  },
);
