package tensorflow

import "strings"

// sets computes the graphSets of mg.
func (mg *MetaGraph) sets() *graphSets {
	byName := make(map[string]int, len(mg.Nodes))
	for i, n := range mg.Nodes {
		if _, dup := byName[n.Name]; !dup {
			byName[n.Name] = i
		}
	}
	funcs := make(map[string]int, len(mg.Functions))
	for j, fn := range mg.Functions {
		if _, dup := funcs[fn.Name]; !dup {
			funcs[fn.Name] = j
		}
	}
	r := reacher{mg: mg, byName: byName, funcs: funcs}
	g := &graphSets{}
	var serve []string
	for _, s := range mg.Signatures {
		for _, t := range s.Inputs {
			serve = append(serve, t.Name)
		}
		for _, t := range s.Outputs {
			serve = append(serve, t.Name)
		}
	}
	g.serveNodes, g.serveFuncs = r.reach(serve)
	load := mg.InitOps
	var saver []string
	if s := mg.Saver; s != nil {
		load = append(load[:len(load):len(load)], s.RestoreOp)
		saver = []string{s.RestoreOp, s.SaveTensor, s.FilenameTensor}
		if i := strings.IndexByte(s.RestoreOp, '/'); i > 0 {
			g.scope = s.RestoreOp[:i+1]
		}
	}
	g.loadNodes, g.loadFuncs = r.reach(load)
	g.saverNodes, g.saverFuncs = r.reach(saver)
	return g
}

// reacher walks a MetaGraph's data flow.
type reacher struct {
	mg     *MetaGraph
	byName map[string]int
	funcs  map[string]int
}

// reach returns the main-graph nodes in the fan-in of the tensors or nodes
// named by seeds, and the functions those nodes call, transitively. Every
// node of a function counts as run when the function runs: tf.function
// executes its stateful ops whatever is fetched.
func (r *reacher) reach(seeds []string) (nodes, funcs []bool) {
	nodes = make([]bool, len(r.mg.Nodes))
	funcs = make([]bool, len(r.mg.Functions))
	var queue []int
	visit := func(name string) {
		if i, ok := r.byName[inputNode(name)]; ok && !nodes[i] {
			nodes[i] = true
			queue = append(queue, i)
		}
	}
	var fqueue []int
	call := func(name string) {
		if j, ok := r.funcs[name]; ok && !funcs[j] {
			funcs[j] = true
			fqueue = append(fqueue, j)
		}
	}
	for _, s := range seeds {
		visit(s)
	}
	for len(queue) > 0 {
		n := &r.mg.Nodes[queue[len(queue)-1]]
		queue = queue[:len(queue)-1]
		for _, in := range n.Inputs {
			visit(in)
		}
		for _, c := range n.Calls {
			call(c)
		}
	}
	for len(fqueue) > 0 {
		fn := &r.mg.Functions[fqueue[len(fqueue)-1]]
		fqueue = fqueue[:len(fqueue)-1]
		for _, n := range fn.Nodes {
			for _, c := range n.Calls {
				call(c)
			}
		}
	}
	return nodes, funcs
}
