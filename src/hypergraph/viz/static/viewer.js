/* hypergraph graph viewer: draws the view embedded in the page with dagre, offline.
 *
 * The page embeds (as JSON in #hg-data) every node of the graph at every nesting level, with
 * ids that are paths ("prepare/normalize"), and edges attached to the innermost producer and
 * consumer. A nested graph is either expanded (a box around its children) or collapsed (one
 * node); an edge endpoint hidden inside a collapsed graph is drawn to that graph's node.
 */
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("hg-data").textContent);
  const SVG = "http://www.w3.org/2000/svg";
  const nodes = new Map(data.nodes.map((n) => [n.id, n]));
  const expanded = new Set(
    data.nodes.filter((n) => n.kind === "graph" && n.level < data.depth).map((n) => n.id)
  );
  const svg = document.getElementById("hg-canvas");
  const scene = document.getElementById("hg-scene");
  const tip = document.getElementById("hg-tip");
  const view = { x: 0, y: 0, k: 1 };

  function el(tag, attrs, parent) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (parent) parent.appendChild(node);
    return node;
  }

  function isVisible(node) {
    for (let p = node.parent; p !== null; p = nodes.get(p).parent) {
      if (!expanded.has(p)) return false;
    }
    return true;
  }

  function shown(id) {
    let node = nodes.get(id);
    while (!isVisible(node)) node = nodes.get(node.parent);
    return node.id;
  }

  function nodeLabel(node) {
    let label = node.label;
    if (node.kind === "input" || node.kind === "output") {
      if (data.show_types && node.type_name) label += ": " + node.type_name;
      if (node.bound) label += " (bound)";
    }
    return label;
  }

  function edgeLabel(edge) {
    if (edge.kind === "control") return edge.label;
    if (edge.kind === "input") return "";
    return edge.names
      .map((n) => (data.show_types && edge.types[n] ? n + ": " + edge.types[n] : n))
      .join(", ");
  }

  /* The visible picture: nodes, containers and folded, merged edges. */
  function currentPicture() {
    const visible = data.nodes.filter(isVisible).map((n) => Object.assign({}, n));
    const byId = new Map(visible.map((n) => [n.id, n]));
    let edges = [];
    const seen = new Map();
    for (const edge of data.edges) {
      const source = shown(edge.source), target = shown(edge.target);
      if (source === target && (source !== edge.source || target !== edge.target)) continue;
      const key = [source, target, edge.kind, edge.label].join("\u0000");
      const known = seen.get(key);
      if (known) {
        for (const n of edge.names) if (!known.names.includes(n)) known.names.push(n);
        Object.assign(known.types, edge.types);
        continue;
      }
      const copy = Object.assign({}, edge, { source, target, names: edge.names.slice(),
        types: Object.assign({}, edge.types) });
      seen.set(key, copy);
      edges.push(copy);
    }
    if (data.separate_outputs) edges = withOutputNodes(visible, byId, edges);
    return { visible, byId, edges };
  }

  function withOutputNodes(visible, byId, edges) {
    const result = [];
    const outIds = new Map();
    function outputNode(producer, name, typeName) {
      const key = producer + "\u0000" + name;
      if (!outIds.has(key)) {
        const id = producer + ">" + name;
        const node = { id, label: name, kind: "output", parent: byId.get(producer).parent,
          level: 0, bound: false, inputs: [], outputs: [], doc: "", type_name: typeName };
        visible.push(node);
        byId.set(id, node);
        outIds.set(key, id);
        result.push({ source: producer, target: id, kind: "data", names: [], types: {}, label: "" });
      }
      return outIds.get(key);
    }
    for (const node of visible.slice()) {
      if (["function", "interrupt", "graph"].includes(node.kind) && !expanded.has(node.id)) {
        for (const [name, typeName] of node.outputs) outputNode(node.id, name, typeName);
      }
    }
    for (const edge of edges) {
      if (edge.kind !== "data") { result.push(edge); continue; }
      for (const name of edge.names) {
        const out = outputNode(edge.source, name, edge.types[name] || "");
        result.push({ source: out, target: edge.target, kind: "input", names: [name], types: {},
          label: "" });
      }
    }
    return result;
  }

  const measure = document.createElement("canvas").getContext("2d");
  function textWidth(text, font) {
    measure.font = font;
    return measure.measureText(text).width;
  }

  function nodeSize(node) {
    const w = textWidth(nodeLabel(node), "600 13px " + data.font) + 28;
    switch (node.kind) {
      case "gate": return { width: Math.max(w * 1.5, 70), height: 56 };
      case "end": return { width: 48, height: 48 };
      case "interrupt": return { width: w + 20, height: 38 };
      case "input": return { width: w + 16, height: 32 };
      default: return { width: Math.max(w, 60), height: 38 };
    }
  }

  /* An edge drawn to an expanded graph goes to the children nothing inside feeds. */
  function layoutEnds(id, picture, role) {
    if (!expanded.has(id)) return [id];
    const inside = picture.visible.filter((n) => n.parent === id);
    const fed = new Set(picture.edges.filter((e) => {
      const other = role === "target" ? e.source : e.target;
      return inside.some((n) => n.id === other) || descendsFrom(other, id);
    }).map((e) => (role === "target" ? e.target : e.source)));
    const ends = inside.filter((n) => !fed.has(n.id));
    return (ends.length ? ends : inside.slice(0, 1)).flatMap((n) => layoutEnds(n.id, picture, role));
  }

  function descendsFrom(id, ancestor) {
    for (let n = nodes.get(id) || null; n && n.parent !== null; n = nodes.get(n.parent)) {
      if (n.parent === ancestor) return true;
    }
    return false;
  }

  function layout(picture) {
    const g = new dagre.graphlib.Graph({ compound: true, multigraph: true });
    g.setGraph({ rankdir: data.direction, nodesep: 28, ranksep: 46, edgesep: 14,
      marginx: 24, marginy: 24 });
    g.setDefaultEdgeLabel(() => ({}));
    for (const node of picture.visible) {
      if (expanded.has(node.id)) {
        g.setNode(node.id, { label: node.label, paddingTop: 34, paddingLeft: 14,
          paddingRight: 14, paddingBottom: 14 });
      } else {
        g.setNode(node.id, nodeSize(node));
      }
    }
    for (const node of picture.visible) {
      if (node.parent !== null && g.hasNode(node.parent)) g.setParent(node.id, node.parent);
    }
    picture.edges.forEach((edge, i) => {
      const label = edgeLabel(edge);
      const width = label ? textWidth(label, "11px " + data.font) + 8 : 0;
      for (const s of layoutEnds(edge.source, picture, "source")) {
        for (const t of layoutEnds(edge.target, picture, "target")) {
          g.setEdge(s, t, { edge, label, width, height: label ? 16 : 0, labelpos: "c" }, "e" + i);
        }
      }
    });
    dagre.layout(g);
    return g;
  }

  function shape(node, box, group) {
    const { width: w, height: h } = box;
    const x = -w / 2, y = -h / 2;
    switch (node.kind) {
      case "gate":
        return el("polygon", { points: `0,${y} ${-x},0 0,${-y} ${x},0` }, group);
      case "interrupt": {
        const c = 12;
        return el("polygon", { points: `${x + c},${y} ${-x - c},${y} ${-x},0 ${-x - c},${-y} ` +
          `${x + c},${-y} ${x},0` }, group);
      }
      case "end":
        return el("circle", { r: w / 2 }, group);
      case "input": {
        const s = 8;
        return el("polygon", { points: `${x + s},${y} ${-x},${y} ${-x - s},${-y} ${x},${-y}` },
          group);
      }
      case "output":
        return el("rect", { x, y, width: w, height: h, rx: h / 2 }, group);
      case "graph":
        return el("rect", { x, y, width: w, height: h, rx: 6, class: "hg-double" }, group);
      default:
        return el("rect", { x, y, width: w, height: h, rx: 6 }, group);
    }
  }

  function curve(points) {
    let d = `M${points[0].x},${points[0].y}`;
    if (points.length === 2) return d + `L${points[1].x},${points[1].y}`;
    for (let i = 1; i < points.length - 1; i++) {
      const p = points[i], q = points[i + 1];
      const mx = i === points.length - 2 ? q.x : (p.x + q.x) / 2;
      const my = i === points.length - 2 ? q.y : (p.y + q.y) / 2;
      d += `Q${p.x},${p.y} ${mx},${my}`;
    }
    return d;
  }

  /* A node feeding itself: a loop on its right side, label beside it. */
  function selfLoop(box, info) {
    const x = box.x + box.width / 2, top = box.y - box.height / 4, bottom = box.y + box.height / 4;
    const reach = 34;
    info.loop = `M${x},${top} C${x + reach},${top - 14} ${x + reach},${bottom + 14} ${x + 1},${bottom}`;
    info.x = x + reach + (info.width || 0) / 2 - 4;
    info.y = box.y;
  }

  function describe(node) {
    const rows = [`<b>${escapeHtml(node.label)}</b> <span class="hg-kind">${node.kind}</span>`];
    const list = (title, items) => {
      if (!items.length) return;
      rows.push(`<div class="hg-tip-title">${title}</div>` + items.map(([n, t]) =>
        `<div><code>${escapeHtml(n)}</code>${t ? ": <i>" + escapeHtml(t) + "</i>" : ""}</div>`
      ).join(""));
    };
    list("inputs", node.inputs);
    list("outputs", node.outputs);
    if (node.kind === "input" && node.type_name) list("type", [[node.label, node.type_name]]);
    if (node.doc) rows.push(`<div class="hg-doc">${escapeHtml(node.doc)}</div>`);
    if (node.kind === "graph") {
      rows.push(`<div class="hg-hint">click to ${expanded.has(node.id) ? "collapse" : "expand"}</div>`);
    }
    return rows.join("");
  }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;",
      '"': "&quot;" })[c]);
  }

  function bindNode(group, node) {
    group.addEventListener("mouseenter", () => {
      tip.innerHTML = describe(node);
      tip.hidden = false;
    });
    group.addEventListener("mousemove", (event) => {
      tip.style.left = event.clientX + 14 + "px";
      tip.style.top = event.clientY + 14 + "px";
    });
    group.addEventListener("mouseleave", () => { tip.hidden = true; });
    if (node.kind === "graph") {
      group.addEventListener("click", (event) => {
        event.stopPropagation();
        if (expanded.has(node.id)) expanded.delete(node.id); else expanded.add(node.id);
        tip.hidden = true;
        render(true);
      });
    }
  }

  function render(keepView) {
    const picture = currentPicture();
    const g = layout(picture);
    scene.replaceChildren();
    const clusters = el("g", { class: "hg-clusters" }, scene);
    const edgeLayer = el("g", { class: "hg-edges" }, scene);
    const nodeLayer = el("g", { class: "hg-nodes" }, scene);
    const labelLayer = el("g", { class: "hg-edge-labels" }, scene);
    const byDepth = picture.visible.filter((n) => expanded.has(n.id))
      .sort((a, b) => a.level - b.level);
    for (const node of byDepth) {
      const box = g.node(node.id);
      const group = el("g", { class: "hg-node hg-cluster", "data-id": node.id,
        "data-kind": "graph", "data-expanded": "true",
        transform: `translate(${box.x - box.width / 2},${box.y - box.height / 2})` }, clusters);
      el("rect", { width: box.width, height: box.height, rx: 10 }, group);
      const title = el("text", { x: 12, y: 21, class: "hg-cluster-title" }, group);
      title.textContent = "\u25BE " + node.label;
      bindNode(group, node);
    }
    for (const e of g.edges()) {
      const info = g.edge(e);
      const kind = info.edge.kind;
      if (e.v === e.w) selfLoop(g.node(e.v), info);
      el("path", { d: e.v === e.w ? info.loop : curve(info.points), class: "hg-edge hg-edge-" + kind,
        "marker-end": `url(#hg-arrow-${kind === "ordering" ? "dot" : "head"})`,
        "data-source": info.edge.source, "data-target": info.edge.target }, edgeLayer);
      if (info.label) {
        const text = el("text", { x: info.x, y: info.y + 4, class: "hg-edge-label",
          "text-anchor": "middle" }, labelLayer);
        text.textContent = info.label;
      }
    }
    for (const node of picture.visible) {
      if (expanded.has(node.id)) continue;
      const box = g.node(node.id);
      const group = el("g", { class: "hg-node hg-" + node.kind, "data-id": node.id,
        "data-kind": node.kind, transform: `translate(${box.x},${box.y})` }, nodeLayer);
      shape(node, box, group);
      const text = el("text", { "text-anchor": "middle", y: 4.5 }, group);
      text.textContent = nodeLabel(node);
      if (node.kind === "graph") {
        const badge = el("text", { x: box.width / 2 - 12, y: -box.height / 2 + 12,
          class: "hg-badge", "text-anchor": "middle" }, group);
        badge.textContent = "+";
      }
      bindNode(group, node);
    }
    const size = g.graph();
    scene.dataset.width = size.width;
    scene.dataset.height = size.height;
    if (!keepView) fit();
    else apply();
    document.body.dataset.rendered = String(picture.visible.length);
  }

  function apply() {
    scene.setAttribute("transform", `translate(${view.x},${view.y}) scale(${view.k})`);
  }

  function fit() {
    const width = Number(scene.dataset.width), height = Number(scene.dataset.height);
    const box = svg.getBoundingClientRect();
    const k = Math.min(box.width / width, box.height / height, 1.6);
    view.k = k;
    view.x = (box.width - width * k) / 2;
    view.y = Math.max((box.height - height * k) / 2, 0);
    apply();
  }

  function zoom(factor, cx, cy) {
    const k = Math.min(Math.max(view.k * factor, 0.1), 6);
    view.x = cx - ((cx - view.x) * k) / view.k;
    view.y = cy - ((cy - view.y) * k) / view.k;
    view.k = k;
    apply();
  }

  svg.addEventListener("wheel", (event) => {
    event.preventDefault();
    const box = svg.getBoundingClientRect();
    zoom(Math.exp(-event.deltaY * 0.0015), event.clientX - box.left, event.clientY - box.top);
  }, { passive: false });
  let drag = null;
  svg.addEventListener("pointerdown", (event) => {
    drag = { x: event.clientX - view.x, y: event.clientY - view.y };
    svg.classList.add("hg-dragging");
  });
  window.addEventListener("pointermove", (event) => {
    if (!drag) return;
    view.x = event.clientX - drag.x;
    view.y = event.clientY - drag.y;
    apply();
  });
  window.addEventListener("pointerup", () => { drag = null; svg.classList.remove("hg-dragging"); });

  function button(id, action) {
    document.getElementById(id).addEventListener("click", action);
  }
  const centre = () => { const b = svg.getBoundingClientRect(); return [b.width / 2, b.height / 2]; };
  button("hg-zoom-in", () => zoom(1.25, ...centre()));
  button("hg-zoom-out", () => zoom(0.8, ...centre()));
  button("hg-fit", () => fit());
  button("hg-expand", () => {
    data.nodes.filter((n) => n.kind === "graph").forEach((n) => expanded.add(n.id));
    render(false);
  });
  button("hg-collapse", () => { expanded.clear(); render(false); });
  button("hg-theme", () => {
    const root = document.documentElement;
    const dark = root.dataset.theme === "dark" ||
      (root.dataset.theme === "auto" && matchMedia("(prefers-color-scheme: dark)").matches);
    root.dataset.theme = dark ? "light" : "dark";
  });
  window.addEventListener("resize", () => fit());
  render(false);
})();
