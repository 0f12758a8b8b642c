import {
  forwardRef,
  useState,
  type FormEvent,
  type KeyboardEvent,
} from 'react';

type MessageInputProps = {
  busy: boolean;
  onSend: (text: string) => void;
  onStop: () => void;
};

// keyCode 229 is what browsers report for keys consumed by an input method;
// Safari sends it on the Enter that confirms a composition.
const IME_KEY_CODE = 229;

export const MessageInput = forwardRef<HTMLTextAreaElement, MessageInputProps>(
  function MessageInput({ busy, onSend, onStop }, ref) {
    const [text, setText] = useState('');
    const empty = text.trim() === '';

    const submit = () => {
      if (busy || empty) return;
      onSend(text);
      setText('');
    };

    const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
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
        <label htmlFor="message-input" className="visually-hidden">
          Message
        </label>
        <p id="message-input-hint" className="visually-hidden">
          Enter sends, Shift+Enter adds a line.
        </p>
        <textarea
          id="message-input"
          ref={ref}
          rows={1}
          value={text}
          placeholder="Write a message…"
          aria-describedby="message-input-hint"
          onChange={(event) => setText(event.target.value)}
          onKeyDown={onKeyDown}
        />
        {/* Distinct keys: were the Stop button reused as Send, the click
            that stops would go on to submit the form once it is a submit
            button. */}
        {busy ? (
          <button
            key="stop"
            type="button"
            className="stop-button"
            onClick={onStop}
          >
            Stop
          </button>
        ) : (
          <button key="send" type="submit" disabled={empty}>
            Send
          </button>
        )}
      </form>
    );
  },
);
