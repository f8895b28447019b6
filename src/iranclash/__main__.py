from iranclash.cli.launch import main

main()
