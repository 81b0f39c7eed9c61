import OptKit
