module hotswap-hasher

go 1.21
