// The visible elements of a page as text, for text-only agents: one line per element a user can
// act on or read, "[box] tag text" with the box in viewport pixels (left, top, right, bottom).
// Called with the text's length limit; characters outside printable ASCII read as "?".
(limit) => {
  const ACTIONABLE = "a, button, input, select, textarea, label, summary, [onclick], [role=button], " +
                     "[role=link], [role=checkbox], [role=switch], [role=tab], [role=option], [tabindex]";
  const clean = (text) => text.replace(/\s+/g, " ").trim().replace(/[^\x20-\x7e]/g, "?").slice(0, 60);
  const ownText = (element) => clean([...element.childNodes]
    .filter((node) => node.nodeType === Node.TEXT_NODE).map((node) => node.textContent).join(" "));
  const lines = [];
  for (const element of document.body ? document.body.querySelectorAll("*") : []) {
    const box = element.getBoundingClientRect();
    if (box.width < 1 || box.height < 1 || box.right <= 0 || box.bottom <= 0 ||
        box.left >= innerWidth || box.top >= innerHeight) continue;
    const style = getComputedStyle(element);
    if (style.visibility !== "visible" || style.display === "none" || Number(style.opacity) === 0) continue;
    const tag = element.tagName.toLowerCase();
    let text = ownText(element);
    if (tag === "input" || tag === "textarea" || tag === "select") {
      const kind = element.type === "checkbox" || element.type === "radio"
        ? `${element.type} ${element.checked ? "checked" : "unchecked"}` : `value="${clean(element.value || "")}"`;
      text = `${kind}${element.placeholder ? ` placeholder="${clean(element.placeholder)}"` : ""}`;
    } else if (!text && !element.matches(ACTIONABLE)) {
      continue;
    }
    const edges = [box.left, box.top, box.right, box.bottom].map(Math.round).join(",");
    lines.push(`[${edges}] ${tag}${text ? " " + text : ""}`);
  }
  return lines.join("\n").slice(0, limit);
}
