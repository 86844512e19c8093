complete -c veth-add -s n -l netns -d 'Put NAME in network namespace NS (created if missing)' -r
complete -c veth-add -s N -l peer-netns -d 'Put PEER in network namespace NS (created if missing)' -r
complete -c veth-add -s a -l addr -d 'Add an address (CIDR, IPv4 or IPv6) to NAME; repeatable' -r
complete -c veth-add -s A -l peer-addr -d 'Add an address (CIDR, IPv4 or IPv6) to PEER; repeatable' -r
complete -c veth-add -s g -l gateway -d 'Add a default route via IP in NAME\'s namespace; repeatable (one per family)' -r
complete -c veth-add -s G -l peer-gateway -d 'Add a default route via IP in PEER\'s namespace; repeatable (one per family)' -r
complete -c veth-add -l mtu -d 'MTU of both ends' -r
complete -c veth-add -l mac -d 'Hardware address of NAME' -r
complete -c veth-add -l peer-mac -d 'Hardware address of PEER' -r
complete -c veth-add -l batch -d 'Read one pair a line from FILE (\'-\' for stdin): NAME PEER [OPTIONS], \'#\' comments' -r -F
complete -c veth-add -l no-ipv6 -d 'Turn IPv6 off on NAME: no link-local address, DAD, MLD or router solicitations'
complete -c veth-add -l peer-no-ipv6 -d 'Turn IPv6 off on PEER, as --no-ipv6 does on NAME'
complete -c veth-add -l no-up -d 'Leave both ends (and the namespaces\' lo) down'
complete -c veth-add -s v -l verbose -d 'Print each change on stderr, as its command, as it is made'
complete -c veth-add -s j -l json -d 'Print one JSON object a pair instead of names'
complete -c veth-add -l dry-run -d 'Print the equivalent ip commands and change nothing'
complete -c veth-add -s V -l version -d 'Print version'
complete -c veth-add -s h -l help -d 'Print a summary of the options and examples'

# vethkit: the values clap cannot know are looked up when tab is pressed.

function __vethkit_namespaces --description 'Named network namespaces'
    for path in /run/netns/*
        string replace -r '.*/' '' -- $path
    end
end

complete -c veth-add -s n -l netns -x -a '(__vethkit_namespaces)'
complete -c veth-add -s N -l peer-netns -x -a '(__vethkit_namespaces)'
