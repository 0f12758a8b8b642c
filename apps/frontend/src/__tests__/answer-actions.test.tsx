import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { App } from '@/app';
import { inLog, input } from '@/testing/app-screen';
import { fakeBackend, type FakeReply } from '@/testing/fake-backend';

const complete = { status: 'complete', error: '' } as const;

function openTwoTurns() {
  const fake = fakeBackend();
  const id = fake.create('Two turns', [
    { role: 'user', content: 'First question', ...complete },
    { role: 'assistant', content: 'First answer', ...complete },
    { role: 'user', content: 'Second question', ...complete },
    { role: 'assistant', content: 'Second answer', ...complete },
  ]);
  window.history.replaceState(null, '', `/?c=${id}`);
  render(<App />);
  return { fake, id };
}

const shownTexts = () =>
  [...document.querySelectorAll('.message')].map(
    (node) => node.querySelector('.message-text, .markdown')?.textContent,
  );

describe('Answer and question actions', () => {
  it('regenerates any answer, replacing it and what followed', async () => {
    const user = userEvent.setup();
    const { fake, id } = openTwoTurns();
    await inLog().findByText('Second answer');
    fake.reply((r) => {
      r.delta('A fresh first answer');
      r.done();
    });
    const regenerate = inLog().getAllByRole('button', { name: 'Regenerate' });
    await user.click(regenerate[0]);

    expect(await inLog().findByText('A fresh first answer')).toBeVisible();
    expect(shownTexts()).toEqual(['First question', 'A fresh first answer']);
    expect(fake.chatBodies()).toEqual([{ conversation_id: id, regenerate: 2 }]);
  });

  it('edits a question in the input and resends it in its place', async () => {
    const user = userEvent.setup();
    const { fake, id } = openTwoTurns();
    await inLog().findByText('Second answer');
    await user.click(inLog().getAllByRole('button', { name: 'Edit' })[0]);
    expect(input()).toHaveValue('First question');
    expect(input()).toHaveFocus();
    expect(screen.getByText(/Editing a question/)).toBeInTheDocument();

    await user.clear(input());
    await user.type(input(), 'Better question{Enter}');
    expect(
      await inLog().findByText('Answer to: Better question'),
    ).toBeVisible();
    expect(shownTexts()).toEqual([
      'Better question',
      'Answer to: Better question',
    ]);
    expect(fake.chatBodies()).toEqual([
      { conversation_id: id, edit: 1, message: 'Better question' },
    ]);
    expect(screen.queryByText(/Editing a question/)).toBeNull();
  });

  it('cancels an edit with Escape, leaving the question alone', async () => {
    const user = userEvent.setup();
    const { fake } = openTwoTurns();
    await inLog().findByText('Second answer');
    await user.click(inLog().getAllByRole('button', { name: 'Edit' })[1]);
    await user.keyboard('{Escape}');
    expect(screen.queryByText(/Editing a question/)).toBeNull();
    expect(input()).toHaveValue('');
    expect(fake.chatBodies()).toEqual([]);
  });

  it('copies a whole answer as its Markdown source', async () => {
    const user = userEvent.setup();
    const fake = fakeBackend();
    fake.reply((r) => {
      r.delta('# Title\n\nSome **bold** text.');
      r.done();
    });
    render(<App />);
    await user.type(input(), 'Write it{Enter}');
    await inLog().findByText('bold');
    const writeText = vi.spyOn(navigator.clipboard, 'writeText');
    await user.click(inLog().getByRole('button', { name: 'Copy answer' }));
    expect(writeText).toHaveBeenCalledExactlyOnceWith(
      '# Title\n\nSome **bold** text.',
    );
    expect(inLog().getByRole('button', { name: 'Copied' })).toBeVisible();
  });

  it('continues a stopped answer into the same message', async () => {
    const user = userEvent.setup();
    const fake = fakeBackend();
    let reply!: FakeReply;
    fake.reply((r) => (reply = r));
    render(<App />);
    await user.type(input(), 'Count{Enter}');
    await inLog().findByText(/Waiting/);
    reply.delta('one two');
    await inLog().findByText('one two');
    await user.click(screen.getByRole('button', { name: 'Stop' }));
    const resume = await inLog().findByRole('button', { name: 'Continue' });

    fake.reply((r) => {
      r.delta(' three');
      r.done();
    });
    await user.click(resume);
    expect(await inLog().findByText('one two three')).toBeVisible();
    await waitFor(() =>
      expect(inLog().queryByText(/stopped before/)).toBeNull(),
    );
    expect(shownTexts()).toEqual(['Count', 'one two three']);
    const [id] = fake.conversations.keys();
    expect(fake.chatBodies().at(-1)).toEqual({
      conversation_id: id,
      continue: 2,
    });
  });

  it('retries a failed answer by regenerating it, never asking twice', async () => {
    const user = userEvent.setup();
    const fake = fakeBackend();
    fake.reply((r) => r.fail('The model did not answer in time. Try again.'));
    render(<App />);
    await user.type(input(), 'Will this work?{Enter}');
    expect(
      await inLog().findByText('The model did not answer in time. Try again.'),
    ).toBeVisible();

    await user.click(inLog().getByRole('button', { name: 'Retry' }));
    expect(
      await inLog().findByText('Answer to: Will this work?'),
    ).toBeVisible();
    expect(inLog().queryByText(/did not answer/)).toBeNull();
    expect(inLog().getAllByText('Will this work?')).toHaveLength(1);
    const [id] = fake.conversations.keys();
    expect(fake.chatBodies()).toEqual([
      { message: 'Will this work?' },
      { conversation_id: id, regenerate: 2 },
    ]);
    expect(
      [...fake.conversations.get(id)!.messages].map((m) => m.content),
    ).toEqual(['Will this work?', 'Answer to: Will this work?']);
    expect(input()).toHaveFocus();
  });

  it('offers no actions while an answer runs', async () => {
    const user = userEvent.setup();
    const { fake } = openTwoTurns();
    await inLog().findByText('Second answer');
    fake.reply(() => undefined);
    await user.type(input(), 'Third{Enter}');
    await inLog().findByText(/Waiting/);
    for (const name of ['Edit', 'Regenerate', 'Copy answer', 'Retry']) {
      expect(inLog().queryByRole('button', { name })).toBeNull();
    }
  });
});
