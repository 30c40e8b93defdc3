package tensorflow

import (
	"fmt"
	"strings"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// Describe implements scanners.Meta: per meta graph, its tags, TensorFlow
// version, node and function counts and signatures.
func (sm *SavedModel) Describe() scanners.Description {
	var d scanners.Description
	add := d.Add
	for i, mg := range sm.MetaGraphs {
		pre := fmt.Sprintf("aibom:tensorflow:metagraph:%d:", i)
		add(pre+"tags", strings.Join(mg.Tags, ","))
		add(pre+"tf_version", mg.TFVersion)
		add(pre+"nodes", fmt.Sprint(len(mg.Nodes)))
		add(pre+"functions", fmt.Sprint(len(mg.Functions)))
		for _, sig := range mg.Signatures {
			add(pre+"signature:"+sig.Key, fmt.Sprintf("%s inputs=%s outputs=%s", sig.Method, tensorList(sig.Inputs), tensorList(sig.Outputs)))
		}
	}
	return d
}

func tensorList(ts []TensorInfo) string {
	var out []string
	for _, t := range ts {
		out = append(out, fmt.Sprintf("%s:%s%v", t.Key, t.Dtype, t.Shape))
	}
	return "[" + strings.Join(out, " ") + "]"
}
