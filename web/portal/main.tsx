import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import "../shared/styles.css";

function App() {
  return (
    <main className="p-6">
      <h1 className="text-2xl font-semibold">Laurel Portal</h1>
    </main>
  );
}

const root = document.getElementById("root");
if (root)
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
