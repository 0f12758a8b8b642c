import { ChatContainer } from '@/components/chat-container';
import { useHealth } from '@/hooks/use-health';

export function App() {
  const health = useHealth();
  return <ChatContainer health={health} />;
}
