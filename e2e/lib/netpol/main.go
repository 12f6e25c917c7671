// NetworkPolicy enforcement for the e2e node: the controller of sigs.k8s.io/kube-network-policies, run as a host
// process like the harness's other daemons. The controller reads the first packet of each pod connection from
// nfqueue 100 and accepts or drops it by the NetworkPolicies. It also tries to divert those packets with an nftables
// `queue` rule, which this kernel cannot load (no nft_queue): e2e/up.sh diverts them with iptables NFQUEUE instead.
// Its own command wants an in-cluster service account; this one takes a kubeconfig and stops on SIGTERM.
// -cleanup removes the controller's nftables table, should a kernel with nft_queue have let it create one.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/google/nftables"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"
	"sigs.k8s.io/kube-network-policies/pkg/networkpolicy"
)

const table = "kube-network-policies"

func main() {
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig of the cluster")
	node := flag.String("node", "", "name of this node")
	cleanup := flag.Bool("cleanup", false, "delete the nftables table if it is left over, print what was done, exit")
	klog.InitFlags(nil)
	flag.Parse()
	if *cleanup {
		os.Exit(removeTable())
	}
	if *kubeconfig == "" || *node == "" {
		fmt.Fprintln(os.Stderr, "usage: netpol -kubeconfig FILE -node NAME | -cleanup")
		os.Exit(2)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		klog.Fatalf("kubeconfig: %v", err)
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		klog.Fatalf("client: %v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	factory := informers.NewSharedInformerFactory(client, 0)
	// NRI stays on although the harness's containerd has no NRI socket (the plugin exits, pod IPs come from the API
	// server): with NRIdisabled, v0.8.0 dereferences its nil NRI plugin for the first address it does not know.
	controller, err := networkpolicy.NewController(client,
		factory.Networking().V1().NetworkPolicies(), factory.Core().V1().Namespaces(), factory.Core().V1().Pods(),
		nil, nil, nil, nil,
		networkpolicy.Config{NodeName: *node, NFTableName: table, NetfilterBug1766Fix: true})
	if err != nil {
		klog.Fatalf("controller: %v", err)
	}
	factory.Start(ctx.Done())
	// Run returns after ctx is done, once it has deleted its nftables table.
	if err := controller.Run(ctx); err != nil {
		klog.Fatalf("controller: %v", err)
	}
}

// removeTable deletes the controller's nftables table if there is one and says whether it did.
func removeTable() int {
	nft, err := nftables.New()
	if err != nil {
		fmt.Fprintln(os.Stderr, "nftables:", err)
		return 1
	}
	tables, err := nft.ListTablesOfFamily(nftables.TableFamilyINet)
	if err != nil {
		fmt.Fprintln(os.Stderr, "nftables:", err)
		return 1
	}
	for _, t := range tables {
		if t.Name == table {
			nft.DelTable(t)
			if err := nft.Flush(); err != nil {
				fmt.Fprintln(os.Stderr, "nftables:", err)
				return 1
			}
			fmt.Println("removed")
			return 0
		}
	}
	fmt.Println("none")
	return 0
}
