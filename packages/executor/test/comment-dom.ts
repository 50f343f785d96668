/**
 * A report comment as GitHub shows it, for tests: the markdown rendered by a CommonMark parser (markdown-it,
 * with raw HTML passed through as GitHub does before sanitising), then parsed as a browser parses HTML
 * (parse5). Tests check the structure there, not in the markdown text.
 */
import MarkdownIt from "markdown-it";
import { parse, type DefaultTreeAdapterMap } from "parse5";

type Node = DefaultTreeAdapterMap["node"];
export type Element = DefaultTreeAdapterMap["element"];

const markdown = new MarkdownIt({ html: true, linkify: false });

export function renderComment(text: string): { html: string; document: Element } {
  const html = markdown.render(text);
  const document = parse(html) as unknown as Element;
  return { html, document };
}

function children(node: Node): Node[] {
  return "childNodes" in node ? (node.childNodes as Node[]) : [];
}

/** Every element named `tag` under `node`, in document order. */
export function elements(node: Node, tag: string): Element[] {
  const found: Element[] = [];
  const walk = (current: Node) => {
    if ("tagName" in current && current.tagName === tag) found.push(current);
    for (const child of children(current)) walk(child);
  };
  walk(node);
  return found;
}

/** The text of `node` as a browser would show it (entities decoded). */
export function textOf(node: Node): string {
  if (node.nodeName === "#text") return (node as DefaultTreeAdapterMap["textNode"]).value;
  return children(node).map(textOf).join("");
}

export function attribute(element: Element, name: string): string | undefined {
  return element.attrs.find((attr) => attr.name === name)?.value;
}

/** Every element name used anywhere in the document (to check no name injected one). */
export function tagNames(node: Node): Set<string> {
  const names = new Set<string>();
  const walk = (current: Node) => {
    if ("tagName" in current) names.add(current.tagName);
    for (const child of children(current)) walk(child);
  };
  walk(node);
  return names;
}
